namespace Aria.CrmSync.Testing;

/// <content>
/// The search index's lag (<see cref="HubSpotEmulatorOptions.SearchIndexLag"/>): search reads each record as the index
/// last saw it; a write reaches the index once its lag has passed on the emulator's clock.
/// </content>
public sealed partial class HubSpotEmulator
{
    private readonly Dictionary<(string Type, long Id), IndexEntry> _searchIndex = [];
    private Random? _lagRandom;

    private bool SearchLags => _options.SearchIndexLag > TimeSpan.Zero || _options.SearchIndexLagJitter > TimeSpan.Zero;

    /// <summary>The records of a type as search sees them now (archived ones included: the caller filters them).</summary>
    private IEnumerable<HubSpotStoredObject> Indexed(HubSpotObjectType type)
    {
        if (!SearchLags)
        {
            return Store(type).Values;
        }

        var now = Now;
        var visible = new List<HubSpotStoredObject>();
        foreach (var obj in Store(type).Values)
        {
            var key = (type.Name, obj.Id);
            if (!_searchIndex.TryGetValue(key, out var entry))
            {
                entry = new IndexEntry();
                _searchIndex[key] = entry;
            }

            if (entry.SeenVersion != obj.Version)
            {
                // A write the index has not taken yet: it becomes searchable once its lag has passed.
                var written = obj.ArchivedAt is { } archived && archived > obj.UpdatedAt ? archived : obj.UpdatedAt;
                var at = written + NextLag();
                if (entry.Pending.Count > 0 && entry.Pending[^1].VisibleAt > at)
                {
                    at = entry.Pending[^1].VisibleAt;
                }

                entry.Pending.Add((at, obj.IndexCopy()));
                entry.SeenVersion = obj.Version;
            }

            while (entry.Pending.Count > 0 && entry.Pending[0].VisibleAt <= now)
            {
                entry.Visible = entry.Pending[0].Copy;
                entry.Pending.RemoveAt(0);
            }

            if (entry.Visible is { } indexed)
            {
                visible.Add(indexed);
            }
        }

        return visible;
    }

    private TimeSpan NextLag()
    {
        var jitter = _options.SearchIndexLagJitter;
        if (jitter <= TimeSpan.Zero)
        {
            return _options.SearchIndexLag;
        }

        _lagRandom ??= new Random(unchecked((_options.Seed * 13) + 5));
        return _options.SearchIndexLag + TimeSpan.FromTicks((long)(_lagRandom.NextDouble() * jitter.Ticks));
    }

    private sealed class IndexEntry
    {
        public long SeenVersion { get; set; } = -1;

        public HubSpotStoredObject? Visible { get; set; }

        /// <summary>Writes not yet in the index, oldest first (visible times only grow: a later write never shows before an earlier one).</summary>
        public List<(DateTimeOffset VisibleAt, HubSpotStoredObject Copy)> Pending { get; } = [];
    }
}
