namespace Aria.CrmSync;

/// <summary>
/// The root of the library's exceptions: a failure of a whole call, with a stable <see cref="Code"/>, an HTTP-style
/// <see cref="StatusCode"/> and structured <see cref="Details"/> (never credentials).
/// </summary>
/// <remarks>
/// Seed-compatible: code <c>CRM_SYNC_ERROR</c>, status 500, message prefixed with <c>CRM sync error: </c>.
/// An instance does not change once created: a layer that knows more about a failure (a broker's request ids, whether
/// a write call wrote anything) throws a copy made with <see cref="WithDetails"/> or <see cref="WithWriteOutcome"/>.
/// </remarks>
public class CrmSyncException : Exception
{
    /// <summary>The code of a generic sync failure.</summary>
    public const string DefaultCode = "CRM_SYNC_ERROR";

    /// <summary>The message prefix of a generic sync failure.</summary>
    public const string MessagePrefix = "CRM sync error: ";

    private Dictionary<string, object?> _details;

    /// <summary>Initializes a new instance with the seed's defaults (message <c>CRM sync error: Unknown error</c>).</summary>
    public CrmSyncException()
        : this("Unknown error")
    {
    }

    /// <summary>Initializes a new instance of a generic sync failure.</summary>
    /// <param name="message">What failed; prefixed with <c>CRM sync error: </c>.</param>
    public CrmSyncException(string message)
        : this(message, provider: null, innerException: null)
    {
    }

    /// <summary>Initializes a new instance of a generic sync failure.</summary>
    /// <param name="message">What failed; prefixed with <c>CRM sync error: </c>.</param>
    /// <param name="innerException">The cause.</param>
    public CrmSyncException(string message, Exception? innerException)
        : this(message, provider: null, innerException)
    {
    }

    /// <summary>Initializes a new instance of a generic sync failure.</summary>
    /// <param name="message">What failed; prefixed with <c>CRM sync error: </c>.</param>
    /// <param name="provider">The CRM involved, recorded in <see cref="Details"/> as <c>provider</c>.</param>
    /// <param name="innerException">The cause.</param>
    public CrmSyncException(string message, CrmProvider? provider, Exception? innerException = null)
        : this(MessagePrefix + message, DefaultCode, 500, ProviderDetails(provider), innerException)
    {
    }

    /// <summary>Initializes a new instance with every part given (for subclasses).</summary>
    /// <param name="message">The full message.</param>
    /// <param name="code">The stable error code.</param>
    /// <param name="statusCode">The HTTP-style status.</param>
    /// <param name="details">Structured details.</param>
    /// <param name="innerException">The cause.</param>
    protected CrmSyncException(string message, string code, int statusCode, IReadOnlyDictionary<string, object?>? details, Exception? innerException)
        : base(message, innerException)
    {
        Code = code;
        StatusCode = statusCode;
        _details = details is null ? new Dictionary<string, object?>(StringComparer.Ordinal) : new Dictionary<string, object?>(details, StringComparer.Ordinal);
    }

    /// <summary>Gets the stable error code, for example <c>CRM_SYNC_ERROR</c>.</summary>
    public string Code { get; }

    /// <summary>Gets the HTTP-style status code, for example 500.</summary>
    public int StatusCode { get; }

    /// <summary>Gets structured details (for example <c>provider</c>).</summary>
    public IReadOnlyDictionary<string, object?> Details => _details;

    /// <summary>Gets the CRM named in <see cref="Details"/>, if any.</summary>
    public CrmProvider? Provider => Details.TryGetValue("provider", out var p) && p is string s && CrmProvider.TryParse(s, out var provider) ? provider : null;

    /// <summary>
    /// Gets what a failed write call left in the CRM: <see cref="CrmWriteOutcome.NothingWritten"/> when it certainly wrote
    /// nothing (refused unprocessed, or failed before its write was sent), otherwise <see cref="CrmWriteOutcome.Unknown"/>
    /// (the CRM may have applied some of it). Failures of calls that write nothing (reads) keep the default.
    /// </summary>
    public CrmWriteOutcome WriteOutcome { get; private set; }

    /// <summary>
    /// Returns a copy of this exception (the same type, message, code, status, inner exception and stack trace) with
    /// <paramref name="outcome"/> as its <see cref="WriteOutcome"/>. This instance is not changed.
    /// </summary>
    /// <param name="outcome">What the failed write call left in the CRM.</param>
    /// <returns>The copy.</returns>
    public CrmSyncException WithWriteOutcome(CrmWriteOutcome outcome)
    {
        var copy = Copy();
        copy.WriteOutcome = outcome;
        return copy;
    }

    /// <summary>
    /// Returns a copy of this exception (the same type, message, code, status, inner exception and stack trace) with
    /// <paramref name="details"/> added to <see cref="Details"/>, such as the request and log ids of a broker (Composio)
    /// that carried the failed call. Keys already present keep their values. Only non-secret values may be added: details
    /// reach logs and the audit trail. This instance is not changed.
    /// </summary>
    /// <param name="details">The details to add.</param>
    /// <returns>The copy.</returns>
    public CrmSyncException WithDetails(IEnumerable<KeyValuePair<string, object?>> details)
    {
        ArgumentNullException.ThrowIfNull(details);
        var merged = new Dictionary<string, object?>(_details, StringComparer.Ordinal);
        foreach (var (key, value) in details)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(details));
            merged.TryAdd(key, value);
        }

        var copy = Copy();
        copy._details = merged;
        return copy;
    }

    private CrmSyncException Copy() => (CrmSyncException)MemberwiseClone();

    /// <summary>Builds a details dictionary naming <paramref name="provider"/>.</summary>
    /// <param name="provider">The CRM, if any.</param>
    /// <returns>The details.</returns>
    protected static Dictionary<string, object?> ProviderDetails(CrmProvider? provider)
    {
        var details = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (provider is { } p)
        {
            details["provider"] = Serialization.WireValue.Format(p);
        }

        return details;
    }
}
