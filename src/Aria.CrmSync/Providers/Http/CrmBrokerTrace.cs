using Aria.CrmSync.Gateways.Http;
namespace Aria.CrmSync.Providers.Http;

/// <summary>
/// What a broker reported about the last attempt of a request (its log and request ids, its own HTTP status), kept in
/// the request's options so that <see cref="CrmHttpGateway"/> can add it to the exception of a failed call. When the
/// broker itself failed (rate limit, outage) and returned a response only so that the HTTP pipeline retries or pauses,
/// <see cref="Failure"/> is the exception the call ends with once retries are exhausted.
/// </summary>
internal sealed class CrmBrokerTrace(string broker, string accountId)
{
    /// <summary>The key of the trace in <see cref="HttpRequestMessage.Options"/>.</summary>
    public static readonly HttpRequestOptionsKey<CrmBrokerTrace> Key = new("Aria.CrmSync.BrokerTrace");

    /// <summary>Gets the broker's name, e.g. <c>composio</c>.</summary>
    public string Broker { get; } = broker;

    /// <summary>Gets the broker's account id (Composio <c>connected_account_id</c>; an identifier, not a credential).</summary>
    public string AccountId { get; } = accountId;

    /// <summary>Gets or sets the broker's log id of the call (Composio <c>log_id</c>), when it reported one.</summary>
    public string? LogId { get; set; }

    /// <summary>Gets or sets the broker's request id (Composio <c>error.request_id</c>), when it reported one.</summary>
    public string? RequestId { get; set; }

    /// <summary>Gets or sets the broker's own HTTP status when the broker (not the CRM) failed the call.</summary>
    public int? BrokerStatus { get; set; }

    /// <summary>Gets or sets the broker's error code or slug, when it reported one.</summary>
    public string? BrokerError { get; set; }

    /// <summary>Gets or sets the exception for a response that stands for the broker's own failure.</summary>
    public CrmSyncException? Failure { get; set; }

    /// <summary>Gets the trace of a request, if a broker carried it.</summary>
    public static CrmBrokerTrace? Of(HttpRequestMessage request)
        => request.Options.TryGetValue(Key, out var trace) ? trace : null;

    /// <summary>Starts a new attempt: forgets what the previous attempt reported.</summary>
    public void Reset()
    {
        LogId = null;
        RequestId = null;
        BrokerStatus = null;
        BrokerError = null;
        Failure = null;
    }

    /// <summary>Gets the non-secret details to add to an exception (snake_case keys, <c>broker_*</c>).</summary>
    public IEnumerable<KeyValuePair<string, object?>> Details()
    {
        yield return new("broker", Broker);
        yield return new("broker_account_id", AccountId);
        if (LogId is not null)
        {
            yield return new("broker_log_id", LogId);
        }

        if (RequestId is not null)
        {
            yield return new("broker_request_id", RequestId);
        }

        if (BrokerStatus is { } status)
        {
            yield return new("broker_status", status);
        }

        if (BrokerError is not null)
        {
            yield return new("broker_error", BrokerError);
        }
    }

    /// <summary>Returns the exception a failed call ends with: the broker's own failure, or <paramref name="mapped"/> with the broker's ids added.</summary>
    public CrmSyncException Apply(CrmSyncException mapped)
    {
        return (Failure ?? mapped).WithDetails(Details());
    }
}
