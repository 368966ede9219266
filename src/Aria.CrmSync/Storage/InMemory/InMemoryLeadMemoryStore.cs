using System.Runtime.CompilerServices;

namespace Aria.CrmSync.Storage.InMemory;

/// <summary>
/// A thread-safe, process-local <see cref="ILeadMemoryStore"/> with optimistic concurrency on leads and
/// deduplicated events. For tests, samples and hosts that keep leads elsewhere.
/// </summary>
public sealed class InMemoryLeadMemoryStore : ILeadMemoryStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LeadMemory> _leads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<LeadEvent>> _events = new(StringComparer.Ordinal);
    private readonly HashSet<(string Lead, CrmProvider? Source, string ExternalId)> _eventKeys = [];
    private readonly HashSet<string> _eventIds = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<LeadMemory?> GetAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        lock (_gate)
        {
            return ValueTask.FromResult(_leads.TryGetValue(leadMemoryId, out var lead) && lead.UserId == userId ? lead : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<LeadMemory?> FindByCrmIdAsync(string userId, CrmProvider provider, string crmId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(crmId);
        lock (_gate)
        {
            return ValueTask.FromResult(_leads.Values.FirstOrDefault(l => l.UserId == userId && l.CrmProvider == provider && l.CrmId == crmId));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<LeadMemory>> FindByCrmIdsAsync(string userId, CrmProvider provider, IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(crmIds);
        var wanted = crmIds.ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            IReadOnlyList<LeadMemory> found = _leads.Values
                .Where(l => l.UserId == userId && l.CrmProvider == provider && l.CrmId is not null && wanted.Contains(l.CrmId))
                .GroupBy(l => l.CrmId!, StringComparer.Ordinal)
                .Select(g => g.MinBy(l => l.Id, StringComparer.Ordinal)!)
                .ToList();
            return ValueTask.FromResult(found);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<LeadMemory> ListLinkedAsync(string userId, CrmProvider provider, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        List<LeadMemory> leads;
        lock (_gate)
        {
            leads = _leads.Values.Where(l => l.UserId == userId && l.CrmProvider == provider && l.CrmId is not null)
                .OrderBy(l => l.Id, StringComparer.Ordinal)
                .ToList();
        }

        foreach (var lead in leads)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return lead;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<LeadMemory> InsertAsync(LeadMemory lead, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lead);
        ArgumentException.ThrowIfNullOrEmpty(lead.Id, nameof(lead));
        ArgumentException.ThrowIfNullOrEmpty(lead.UserId, nameof(lead));
        StoreInput.Check(lead);
        if (lead.Version != 0)
        {
            throw new ArgumentException("A new lead must have version 0.", nameof(lead));
        }

        lock (_gate)
        {
            if (_leads.TryGetValue(lead.Id, out var existing))
            {
                throw new CrmSyncConcurrencyException("Lead memory", lead.Id, 0, existing.Version);
            }

            var stored = lead with { Version = 1 };
            _leads[lead.Id] = stored;
            return ValueTask.FromResult(stored);
        }
    }

    /// <inheritdoc />
    public ValueTask<LeadMemory> UpdateAsync(LeadMemory lead, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lead);
        StoreInput.Check(lead);
        lock (_gate)
        {
            if (!_leads.TryGetValue(lead.Id, out var existing) || existing.UserId != lead.UserId)
            {
                throw new CrmSyncNotFoundException("Lead memory", lead.Id);
            }

            if (existing.Version != lead.Version)
            {
                throw new CrmSyncConcurrencyException("Lead memory", lead.Id, lead.Version, existing.Version);
            }

            var stored = lead with { Version = lead.Version + 1 };
            _leads[lead.Id] = stored;
            return ValueTask.FromResult(stored);
        }
    }

    /// <inheritdoc />
    public ValueTask<int> AddEventsAsync(IReadOnlyList<LeadEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            if (e is null || string.IsNullOrEmpty(e.Id) || string.IsNullOrEmpty(e.LeadMemoryId))
            {
                throw new ArgumentException("Events must be non-null with an id and a lead memory id.", nameof(events));
            }
        }

        StoreInput.Check(events);

        lock (_gate)
        {
            var added = 0;
            foreach (var e in events)
            {
                if (_eventIds.Contains(e.Id) || (e.ExternalId is not null && _eventKeys.Contains((e.LeadMemoryId, e.Source, e.ExternalId))))
                {
                    continue;
                }

                if (!_events.TryGetValue(e.LeadMemoryId, out var list))
                {
                    _events[e.LeadMemoryId] = list = [];
                }

                list.Add(e);
                _eventIds.Add(e.Id);
                if (e.ExternalId is not null)
                {
                    _eventKeys.Add((e.LeadMemoryId, e.Source, e.ExternalId));
                }

                added++;
            }

            return ValueTask.FromResult(added);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<LeadEvent> GetEventsAsync(string userId, string leadMemoryId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        List<LeadEvent> events;
        lock (_gate)
        {
            events = (_events.GetValueOrDefault(leadMemoryId) ?? []).Where(e => e.UserId == userId).OrderBy(e => e.OccurredAt).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
        }

        foreach (var e in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}
