namespace Aria.CrmSync.Testing.Conformance;

/// <summary>
/// The "CRM control" seam of <see cref="CrmGatewayConformanceTests"/>: acts on the CRM behind the gateway under test
/// directly, as a person or the CRM itself would, never through the gateway. An implementation drives the CRM's test
/// double (an emulator, an in-process service) or a sandbox account.
/// </summary>
public interface ICrmConformanceControl
{
    /// <summary>Gets a well-formed record id that names no record of the CRM (reads leave it out, writes to it fail as values).</summary>
    string MissingRecordId { get; }

    /// <summary>Creates a record (a deal) with the given name and the CRM's defaults for everything else.</summary>
    /// <param name="name">The record's name (<see cref="CrmRecord.Name"/>).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The new record's id.</returns>
    Task<string> SeedRecordAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Renames a record as a person editing it in the CRM would: the CRM's modification time of the record moves on
    /// (to a later time than any the gateway has read, even on a CRM whose times are whole seconds).
    /// </summary>
    /// <param name="crmId">The record id.</param>
    /// <param name="name">The new name.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the CRM holds the edit.</returns>
    Task EditRecordNameAsync(string crmId, string name, CancellationToken cancellationToken);

    /// <summary>Reads what the CRM holds for a record, without the gateway.</summary>
    /// <param name="crmId">The record id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The record's name and notes, or <see langword="null"/> when the CRM has no such record.</returns>
    Task<CrmConformanceRecord?> ReadRecordAsync(string crmId, CancellationToken cancellationToken);

    /// <summary>Logs an activity (a call, a task, a meeting) on a record, as a person would.</summary>
    /// <param name="crmId">The record id.</param>
    /// <param name="subject">The activity's subject (<see cref="CrmActivity.Subject"/>).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The activity's id (<see cref="CrmActivity.ExternalId"/>).</returns>
    Task<string> SeedActivityAsync(string crmId, string subject, CancellationToken cancellationToken);

    /// <summary>Makes the CRM answer its next <paramref name="count"/> API requests with a fault instead of processing them.</summary>
    /// <param name="fault">The fault.</param>
    /// <param name="count">How many requests it answers so.</param>
    void InjectFault(CrmConformanceFault fault, int count);
}
