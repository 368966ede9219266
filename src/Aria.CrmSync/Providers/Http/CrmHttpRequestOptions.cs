using System.Runtime.CompilerServices;

namespace Aria.CrmSync.Gateways.Http;

/// <summary>
/// Per-request data the gateways hand to the HTTP pipeline (auth, rate gate, resilience). <see cref="CrmHttpGateway.SendAsync(CrmConnection, HttpMethod, Uri, HttpContent?, string, bool, CancellationToken, System.Net.HttpStatusCode[])"/>
/// sets them; a request sent without the gateway base (a token refresh) sets them with <see cref="WithConnection"/> and
/// <see cref="Anonymous"/>.
/// </summary>
public static class CrmHttpRequestOptions
{
    /// <summary>The connection the request is made for (required on every CRM request).</summary>
    public static readonly HttpRequestOptionsKey<CrmConnection> Connection = new("Aria.CrmSync.Connection");

    /// <summary>A stable endpoint name for telemetry and error messages, e.g. <c>salesforce.query</c>.</summary>
    public static readonly HttpRequestOptionsKey<string> Endpoint = new("Aria.CrmSync.Endpoint");

    /// <summary>Marks a request whose repetition cannot duplicate a write (reads, searches, PATCH of fixed values).</summary>
    public static readonly HttpRequestOptionsKey<bool> Idempotent = new("Aria.CrmSync.Idempotent");

    /// <summary>Marks a request that must not wait for or consume rate budget (token refresh, versions list).</summary>
    public static readonly HttpRequestOptionsKey<bool> Unmetered = new("Aria.CrmSync.Unmetered");

    /// <summary>
    /// Marks a request that carries its own client credentials (an OAuth token refresh): the authentication handler
    /// adds no bearer token and never refreshes on its 401, so a refresh can use the CRM's named client and handler.
    /// </summary>
    public static readonly HttpRequestOptionsKey<bool> Anonymous = new("Aria.CrmSync.Anonymous");

    /// <summary>
    /// Counts the attempts that reached the transport (the innermost handler increments it), so that a failure can tell a
    /// request that was never sent, or refused at its only attempt, from one an earlier attempt may have delivered.
    /// </summary>
    internal static readonly HttpRequestOptionsKey<StrongBox<int>> Attempts = new("Aria.CrmSync.Attempts");

    /// <summary>Attaches the connection, endpoint name and idempotency to a request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="connection">The connection.</param>
    /// <param name="endpoint">The endpoint name.</param>
    /// <param name="idempotent">Whether repeating the request cannot duplicate a write.</param>
    /// <returns>The request.</returns>
    public static HttpRequestMessage WithConnection(this HttpRequestMessage request, CrmConnection connection, string endpoint, bool idempotent)
    {
        request.Options.Set(Connection, connection);
        request.Options.Set(Endpoint, endpoint);
        request.Options.Set(Idempotent, idempotent);
        return request;
    }

    /// <summary>Gets whether the request carries its own credentials (see <see cref="Anonymous"/>).</summary>
    /// <param name="request">The request.</param>
    /// <returns><see langword="true"/> when the request is marked anonymous.</returns>
    public static bool IsAnonymous(HttpRequestMessage request)
        => request.Options.TryGetValue(Anonymous, out var anonymous) && anonymous;

    /// <summary>Gets the request's endpoint name, or <c>METHOD /path</c> when none was attached.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The name.</returns>
    public static string EndpointOf(HttpRequestMessage request)
        => request.Options.TryGetValue(Endpoint, out var endpoint) ? endpoint : $"{request.Method} {request.RequestUri?.AbsolutePath}";

    /// <summary>Gets whether retrying the request after a transient failure is safe: the attached <see cref="Idempotent"/> flag, else whether the method is GET, HEAD, PUT, DELETE or OPTIONS.</summary>
    /// <param name="request">The request.</param>
    /// <returns><see langword="true"/> when a retry cannot duplicate a write.</returns>
    public static bool IsIdempotent(HttpRequestMessage request)
        => request.Options.TryGetValue(Idempotent, out var idempotent)
            ? idempotent
            : request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Put || request.Method == HttpMethod.Delete || request.Method == HttpMethod.Options;
}
