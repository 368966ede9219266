using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>
/// The connections the background worker syncs, kept as data so a host adds, pauses, resumes and removes them at run
/// time (a user connects a CRM, a tenant is suspended) without a restart. Tokens stay with
/// <see cref="ICrmConnectionResolver"/>; the registry only says which (user, CRM) pairs to sync. The library ships
/// in-memory, SQLite and PostgreSQL implementations, chosen with the stores.
/// </summary>
/// <remarks>
/// One error style: store failures throw (a <see cref="CrmSyncException"/> subtype or the provider's
/// <see cref="System.Data.Common.DbException"/> for an unreachable database); a pause, resume or remove of a connection
/// that is not registered returns <see langword="false"/>.
/// </remarks>
public interface ICrmConnectionRegistry
{
    /// <summary>Registers a connection (active). Idempotent: a registered connection is returned unchanged.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The registration.</returns>
    ValueTask<CrmConnectionRegistration> AddAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default);

    /// <summary>Reads a registration.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The registration, or <see langword="null"/>.</returns>
    ValueTask<CrmConnectionRegistration?> GetAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default);

    /// <summary>Pauses a connection: the worker skips it until it is resumed or <paramref name="until"/> passes.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="reason">Why (for operators and health checks), e.g. <c>quota</c> or <c>reauthorization</c>.</param>
    /// <param name="until">When the pause ends by itself; <see langword="null"/> until resumed.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="false"/> when the connection is not registered.</returns>
    ValueTask<bool> PauseAsync(string userId, CrmProvider provider, string? reason = null, DateTimeOffset? until = null, CancellationToken cancellationToken = default);

    /// <summary>Resumes a paused connection.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="false"/> when the connection is not registered.</returns>
    ValueTask<bool> ResumeAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default);

    /// <summary>Removes a connection from the registry (its sync state and audit trail stay).</summary>
    /// <param name="userId">The user.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="false"/> when it was not registered.</returns>
    ValueTask<bool> RemoveAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default);

    /// <summary>Lists every registration, ordered by user id (ordinal), then the CRM's wire value.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The registrations, streamed.</returns>
    IAsyncEnumerable<CrmConnectionRegistration> ListAsync(CancellationToken cancellationToken = default);
}

/// <summary>The pause reasons the sync worker records (hosts may use their own too).</summary>
public static class PauseReasons
{
    /// <summary>The CRM refused the refresh token: the user must authorise again, then the host resumes the connection.</summary>
    public const string Reauthorization = "reauthorization";

    /// <summary>The CRM's daily quota is used up; the pause ends when it resets (<see cref="CrmConnectionRegistration.PausedUntil"/>).</summary>
    public const string Quota = "quota";
}

/// <summary>The state of a registered connection.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<CrmConnectionState>))]
public enum CrmConnectionState
{
    /// <summary>Synced by the worker (wire value <c>active</c>).</summary>
    [WireValue("active")]
    Active,

    /// <summary>Skipped by the worker until resumed or the pause ends (wire value <c>paused</c>).</summary>
    [WireValue("paused")]
    Paused,
}

/// <summary>A connection the worker syncs.</summary>
public sealed record CrmConnectionRegistration
{
    /// <summary>Gets the user.</summary>
    public required string UserId { get; init; }

    /// <summary>Gets the CRM.</summary>
    public required CrmProvider Provider { get; init; }

    /// <summary>Gets the state.</summary>
    /// <value>The default value is <see cref="CrmConnectionState.Active"/>.</value>
    public CrmConnectionState State { get; init; } = CrmConnectionState.Active;

    /// <summary>Gets why the connection is paused.</summary>
    public string? PauseReason { get; init; }

    /// <summary>Gets when a pause ends by itself (<see langword="null"/>: until resumed).</summary>
    public DateTimeOffset? PausedUntil { get; init; }

    /// <summary>Gets when the connection was registered.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the registration last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Returns whether the worker syncs the connection at <paramref name="now"/>.</summary>
    /// <param name="now">The time.</param>
    /// <returns><see langword="true"/> when active, or paused with a pause that has ended.</returns>
    public bool IsDueAt(DateTimeOffset now) => State == CrmConnectionState.Active || (PausedUntil is { } until && until <= now);
}
