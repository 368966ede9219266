using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;

namespace Aria.CrmSync.Storage;

/// <summary>
/// Turns what a database driver throws into the library's exceptions: a <see cref="DbException"/> (or a timeout, an I/O
/// or encoding failure underneath one) becomes a <see cref="CrmSyncStoreException"/> naming the store and operation,
/// with the driver's exception attached. The library's own exceptions, argument errors and cancellation pass unchanged.
/// </summary>
/// <remarks>Shared source: compiled into each store package.</remarks>
internal sealed class StoreErrors(string store, Func<DbException, bool> isConstraintViolation)
{
    public string Store { get; } = store;

    public Exception? Map(Exception exception, string operation)
        => exception switch
        {
            CrmSyncException or OperationCanceledException or ArgumentException and not EncoderFallbackException => null,
            DbException db when isConstraintViolation(db) => new CrmSyncStoreException($"The database refused the write: {db.Message}", $"{Store} {operation}", isConstraintViolation: true, db),
            DbException db => new CrmSyncStoreException($"The database failed: {db.Message}", $"{Store} {operation}", isConstraintViolation: false, db),
            TimeoutException or IOException or EncoderFallbackException or DecoderFallbackException
                => new CrmSyncStoreException($"The database failed: {exception.Message}", $"{Store} {operation}", isConstraintViolation: false, exception),
            _ => null,
        };

    public async ValueTask<T> RunAsync<T>(Func<ValueTask<T>> action, string operation)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (Map(ex, operation) is { } mapped)
        {
            throw mapped;
        }
    }

    public async ValueTask RunAsync(Func<ValueTask> action, string operation)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (Map(ex, operation) is { } mapped)
        {
            throw mapped;
        }
    }

    public async IAsyncEnumerable<T> StreamAsync<T>(Func<CancellationToken, IAsyncEnumerable<T>> source, string operation, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        IAsyncEnumerator<T> enumerator;
        try
        {
            enumerator = source(cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception ex) when (Map(ex, operation) is { } mapped)
        {
            throw mapped;
        }

        try
        {
            while (true)
            {
                T current;
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }

                    current = enumerator.Current;
                }
                catch (Exception ex) when (Map(ex, operation) is { } mapped)
                {
                    throw mapped;
                }

                yield return current;
            }
        }
        finally
        {
            try
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (Map(ex, operation) is { } mapped)
            {
                throw mapped;
            }
        }
    }
}

/// <summary>An <see cref="IAuditStore"/> that checks its input by the shared rules and maps driver exceptions (see <see cref="StoreErrors"/>).</summary>
internal abstract class GuardedAuditStore(IAuditStore inner, StoreErrors errors) : IAuditStore
{
    public ValueTask<IReadOnlyList<CrmAuditEntry>> AppendAsync(IReadOnlyList<CrmAuditEntry> drafts, IAuditChainSealer sealer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sealer);
        StoreInput.CheckDrafts(drafts);
        return errors.RunAsync(() => inner.AppendAsync(drafts, sealer, cancellationToken), "audit append");
    }

    public IAsyncEnumerable<CrmAuditEntry> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        return errors.StreamAsync(ct => inner.QueryAsync(query, ct), "audit query", cancellationToken);
    }

    public IAsyncEnumerable<CrmAuditEntry> ReadChainAsync(string userId, long fromSequence = 1, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return errors.StreamAsync(ct => inner.ReadChainAsync(userId, fromSequence, ct), "audit chain read", cancellationToken);
    }

    public ValueTask<AuditChainHead> GetChainHeadAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return errors.RunAsync(() => inner.GetChainHeadAsync(userId, cancellationToken), "audit chain head");
    }
}

/// <summary>An <see cref="ISyncStateStore"/> that checks its input by the shared rules and maps driver exceptions (see <see cref="StoreErrors"/>).</summary>
internal abstract class GuardedSyncStateStore(ISyncStateStore inner, StoreErrors errors) : ISyncStateStore
{
    public ValueTask<CrmSyncState?> GetAsync(string leadMemoryId, CancellationToken cancellationToken = default)
        => errors.RunAsync(() => inner.GetAsync(leadMemoryId, cancellationToken), "sync state read");

    public ValueTask<IReadOnlyList<CrmSyncState>> GetManyAsync(IReadOnlyCollection<string> leadMemoryIds, CancellationToken cancellationToken = default)
        => errors.RunAsync(() => inner.GetManyAsync(leadMemoryIds, cancellationToken), "sync state read");

    public ValueTask<CrmSyncState> InsertAsync(CrmSyncState state, CancellationToken cancellationToken = default)
    {
        StoreInput.Check(state);
        return errors.RunAsync(() => inner.InsertAsync(state, cancellationToken), "sync state insert");
    }

    public ValueTask<CrmSyncState> UpdateAsync(CrmSyncState state, CancellationToken cancellationToken = default)
    {
        StoreInput.Check(state);
        return errors.RunAsync(() => inner.UpdateAsync(state, cancellationToken), "sync state update");
    }

    public ValueTask<IReadOnlyList<SyncStateWriteResult>> WriteManyAsync(IReadOnlyList<CrmSyncState> states, CancellationToken cancellationToken = default)
    {
        SyncStateBatch.Check(states);
        foreach (var state in states)
        {
            StoreInput.Check(state);
        }

        return errors.RunAsync(() => inner.WriteManyAsync(states, cancellationToken), "sync state batch write");
    }

    public IAsyncEnumerable<CrmSyncState> QueryAsync(SyncStateQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return errors.StreamAsync(ct => inner.QueryAsync(query, ct), "sync state query", cancellationToken);
    }

    public ValueTask<SyncCursorRecord?> GetCursorAsync(string connectionKey, string stream, CancellationToken cancellationToken = default)
        => errors.RunAsync(() => inner.GetCursorAsync(connectionKey, stream, cancellationToken), "cursor read");

    public ValueTask SaveCursorAsync(SyncCursorRecord cursor, CancellationToken cancellationToken = default)
    {
        StoreInput.Check(cursor);
        return errors.RunAsync(() => inner.SaveCursorAsync(cursor, cancellationToken), "cursor save");
    }

    public ValueTask<SyncLease?> TryAcquireLeaseAsync(string resource, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        StorableText.RequireId(resource, nameof(resource));
        StorableText.RequireId(owner, nameof(owner));
        return errors.RunAsync(() => inner.TryAcquireLeaseAsync(resource, owner, duration, cancellationToken), "lease acquire");
    }

    public ValueTask<SyncLease?> RenewLeaseAsync(SyncLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
        => errors.RunAsync(() => inner.RenewLeaseAsync(lease, duration, cancellationToken), "lease renew");

    public ValueTask ReleaseLeaseAsync(SyncLease lease, CancellationToken cancellationToken = default)
        => errors.RunAsync(() => inner.ReleaseLeaseAsync(lease, cancellationToken), "lease release");
}

/// <summary>An <see cref="ILeadMemoryStore"/> that checks its input by the shared rules and maps driver exceptions (see <see cref="StoreErrors"/>).</summary>
internal abstract class GuardedLeadMemoryStore(ILeadMemoryStore inner, StoreErrors errors) : ILeadMemoryStore
{
    public ValueTask<LeadMemory?> GetAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
        => errors.RunAsync(() => inner.GetAsync(userId, leadMemoryId, cancellationToken), "lead read");

    public ValueTask<LeadMemory?> FindByCrmIdAsync(string userId, CrmProvider provider, string crmId, CancellationToken cancellationToken = default)
        => errors.RunAsync(() => inner.FindByCrmIdAsync(userId, provider, crmId, cancellationToken), "lead lookup");

    public ValueTask<IReadOnlyList<LeadMemory>> FindByCrmIdsAsync(string userId, CrmProvider provider, IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(crmIds);
        return errors.RunAsync(() => inner.FindByCrmIdsAsync(userId, provider, crmIds, cancellationToken), "lead lookup");
    }

    public IAsyncEnumerable<LeadMemory> ListLinkedAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return errors.StreamAsync(ct => inner.ListLinkedAsync(userId, provider, ct), "lead list", cancellationToken);
    }

    public ValueTask<LeadMemory> InsertAsync(LeadMemory lead, CancellationToken cancellationToken = default)
    {
        StoreInput.Check(lead);
        return errors.RunAsync(() => inner.InsertAsync(lead, cancellationToken), "lead insert");
    }

    public ValueTask<LeadMemory> UpdateAsync(LeadMemory lead, CancellationToken cancellationToken = default)
    {
        StoreInput.Check(lead);
        return errors.RunAsync(() => inner.UpdateAsync(lead, cancellationToken), "lead update");
    }

    public ValueTask<int> AddEventsAsync(IReadOnlyList<LeadEvent> events, CancellationToken cancellationToken = default)
    {
        StoreInput.Check(events);
        return errors.RunAsync(() => inner.AddEventsAsync(events, cancellationToken), "lead events insert");
    }

    public IAsyncEnumerable<LeadEvent> GetEventsAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        return errors.StreamAsync(ct => inner.GetEventsAsync(userId, leadMemoryId, ct), "lead events read", cancellationToken);
    }
}
