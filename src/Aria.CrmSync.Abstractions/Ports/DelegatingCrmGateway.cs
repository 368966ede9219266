namespace Aria.CrmSync;

/// <summary>
/// The base of a gateway decorator (caching, metrics, logging, …): every member forwards to <see cref="Inner"/>;
/// override the ones to change. Registered with <c>AddAriaCrmSync().AddGateway&lt;TDecorator&gt;()</c> after the
/// gateways, a decorator wraps each gateway registered before it (one decorator instance per gateway, built with
/// the inner gateway as its <see cref="ICrmGateway"/> constructor argument), so decorators stack in registration order.
/// </summary>
/// <remarks>
/// A decorator is a gateway: it must keep the <see cref="ICrmGateway"/> contract (the same provider, typed errors,
/// write results in request order). It implements <see cref="ICrmRecordCreator"/> and <see cref="ICrmContactReader"/> by
/// forwarding, and throws <see cref="NotSupportedException"/> when the inner gateway lacks the capability.
/// </remarks>
public abstract class DelegatingCrmGateway : ICrmGateway, ICrmRecordCreator, ICrmContactReader
{
    /// <summary>Initializes a new instance of the <see cref="DelegatingCrmGateway"/> class.</summary>
    /// <param name="inner">The gateway to forward to.</param>
    protected DelegatingCrmGateway(ICrmGateway inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>Gets the gateway calls are forwarded to.</summary>
    public ICrmGateway Inner { get; }

    /// <inheritdoc />
    public virtual CrmProvider Provider => Inner.Provider;

    /// <inheritdoc />
    public virtual int MaxUpdateBatchSize => Inner.MaxUpdateBatchSize;

    /// <inheritdoc />
    public virtual Task<CrmRecord?> GetRecordAsync(CrmConnection connection, string crmId, CancellationToken cancellationToken = default)
        => Inner.GetRecordAsync(connection, crmId, cancellationToken);

    /// <inheritdoc />
    public virtual Task<IReadOnlyList<CrmRecord>> GetRecordsAsync(CrmConnection connection, IReadOnlyList<string> crmIds, CancellationToken cancellationToken = default)
        => Inner.GetRecordsAsync(connection, crmIds, cancellationToken);

    /// <inheritdoc />
    public virtual IAsyncEnumerable<CrmChangePage> GetChangesAsync(CrmConnection connection, CrmCursor? since, CancellationToken cancellationToken = default)
        => Inner.GetChangesAsync(connection, since, cancellationToken);

    /// <inheritdoc />
    public virtual Task<IReadOnlyList<CrmWriteResult>> UpdateRecordsAsync(CrmConnection connection, IReadOnlyList<CrmRecordUpdate> updates, CancellationToken cancellationToken = default)
        => Inner.UpdateRecordsAsync(connection, updates, cancellationToken);

    /// <inheritdoc />
    public virtual Task<IReadOnlyList<CrmNoteResult>> CreateNotesAsync(CrmConnection connection, IReadOnlyList<CrmNoteRequest> notes, CancellationToken cancellationToken = default)
        => Inner.CreateNotesAsync(connection, notes, cancellationToken);

    /// <inheritdoc />
    public virtual IAsyncEnumerable<CrmActivity> GetActivitiesAsync(CrmConnection connection, string crmId, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
        => Inner.GetActivitiesAsync(connection, crmId, since, cancellationToken);

    /// <inheritdoc />
    public virtual IAsyncEnumerable<CrmActivityPage> GetActivityChangesAsync(CrmConnection connection, CrmCursor? since, CancellationToken cancellationToken = default)
        => Inner.GetActivityChangesAsync(connection, since, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The inner gateway does not implement <see cref="ICrmRecordCreator"/>.</exception>
    public virtual Task<CrmRecord> CreateRecordAsync(CrmConnection connection, IReadOnlyDictionary<string, string?> fields, CancellationToken cancellationToken = default)
        => Inner is ICrmRecordCreator creator
            ? creator.CreateRecordAsync(connection, fields, cancellationToken)
            : throw new NotSupportedException($"The {Provider.Value} gateway ({Inner.GetType().Name}) cannot create records: it does not implement ICrmRecordCreator.");

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The inner gateway does not implement <see cref="ICrmContactReader"/>.</exception>
    public virtual Task<IReadOnlyDictionary<string, IReadOnlyList<CrmContact>>> GetContactsAsync(CrmConnection connection, IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken = default)
        => Inner is ICrmContactReader reader
            ? reader.GetContactsAsync(connection, crmIds, cancellationToken)
            : throw new NotSupportedException($"The {Provider.Value} gateway ({Inner.GetType().Name}) cannot read contacts: it does not implement ICrmContactReader.");

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The inner gateway does not implement <see cref="ICrmContactReader"/>.</exception>
    public virtual IAsyncEnumerable<CrmContactChangePage> GetContactChangesAsync(CrmConnection connection, CrmCursor? since, CancellationToken cancellationToken = default)
        => Inner is ICrmContactReader reader
            ? reader.GetContactChangesAsync(connection, since, cancellationToken)
            : throw new NotSupportedException($"The {Provider.Value} gateway ({Inner.GetType().Name}) cannot read contacts: it does not implement ICrmContactReader.");
}
