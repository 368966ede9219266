using System.Collections.Concurrent;
using System.Globalization;
using Aria.CrmSync.Gateways.Http;

namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>A deal stage as the pipelines API describes it.</summary>
internal sealed record HubSpotStage(string PipelineId, string Id, string Label, double? Probability, bool? IsClosed, int Order)
{
    /// <summary>Gets whether the stage is won: closed with probability 1.0 (lost: closed with 0.0).</summary>
    public bool? IsWon => IsClosed switch
    {
        true => Probability is { } p ? p >= 1.0 : null,
        false => false,
        _ => null,
    };
}

/// <summary>A deal pipeline and its stages in display order.</summary>
internal sealed record HubSpotPipeline(string Id, string Label, IReadOnlyList<HubSpotStage> Stages);

/// <summary>A portal's deal pipelines: stage metadata for reads and stage translation for writes.</summary>
internal sealed class HubSpotPipelineSet
{
    /// <summary>The default pipeline's stages as HubSpot creates them, for stage ids a portal no longer has.</summary>
    private static readonly Dictionary<string, HubSpotStage> DefaultStages = new HubSpotStage[]
    {
        new("default", "appointmentscheduled", "Appointment Scheduled", 0.2, false, 0),
        new("default", "qualifiedtobuy", "Qualified To Buy", 0.4, false, 1),
        new("default", "presentationscheduled", "Presentation Scheduled", 0.6, false, 2),
        new("default", "decisionmakerboughtin", "Decision Maker Bought-In", 0.8, false, 3),
        new("default", "contractsent", "Contract Sent", 0.9, false, 4),
        new("default", "closedwon", "Closed Won", 1.0, true, 5),
        new("default", "closedlost", "Closed Lost", 0.0, true, 6),
    }.ToDictionary(s => s.Id, StringComparer.Ordinal);

    private readonly Dictionary<string, HubSpotPipeline> _pipelines;
    private readonly Dictionary<string, HubSpotStage> _stages = new(StringComparer.Ordinal);

    public HubSpotPipelineSet(IReadOnlyList<HubSpotPipeline> pipelines, DateTimeOffset loadedAt)
    {
        Pipelines = pipelines;
        LoadedAt = loadedAt;
        _pipelines = pipelines.GroupBy(p => p.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var stage in pipelines.SelectMany(p => p.Stages))
        {
            _stages.TryAdd(stage.Id, stage);
        }
    }

    public IReadOnlyList<HubSpotPipeline> Pipelines { get; }

    public DateTimeOffset LoadedAt { get; }

    public int StageCount => _stages.Count;

    /// <summary>Finds a stage, preferring the deal's pipeline (stage ids are unique per portal; the pipeline disambiguates odd data).</summary>
    public HubSpotStage? Find(string? pipelineId, string stageId)
    {
        if (pipelineId is not null && _pipelines.TryGetValue(pipelineId, out var pipeline) && pipeline.Stages.FirstOrDefault(s => s.Id == stageId) is { } exact)
        {
            return exact;
        }

        return _stages.GetValueOrDefault(stageId);
    }

    /// <summary>
    /// Translates a stage id the engine writes (the default pipeline's, e.g. <c>closedwon</c>) to a stage of the deal's
    /// pipeline: unchanged when the pipeline has it; otherwise won → the pipeline's closed stage with the highest
    /// probability (1.0), lost → its closed stage with the lowest (0.0), an open stage → the open stage with the same
    /// label, else the open stage with the nearest probability (earlier display order on ties).
    /// </summary>
    /// <returns>The stage id, or <see langword="null"/> with a reason when the pipeline has no fitting stage.</returns>
    public (string? StageId, string? Error) Translate(string target, string? pipelineId)
    {
        var id = pipelineId ?? "default";
        if (!_pipelines.TryGetValue(id, out var pipeline))
        {
            return (null, $"pipeline '{id}' is not one of the portal's deal pipelines");
        }

        if (pipeline.Stages.Any(s => s.Id == target))
        {
            return (target, null);
        }

        var meaning = _stages.GetValueOrDefault(target) ?? DefaultStages.GetValueOrDefault(target);
        if (meaning is null)
        {
            return (null, $"stage '{target}' is neither a stage of pipeline '{pipeline.Id}' nor a known stage of the portal");
        }

        if (meaning.IsClosed == true)
        {
            var won = meaning.IsWon ?? target == "closedwon";
            var closed = pipeline.Stages.Where(s => s.IsClosed == true).ToList();
            var pick = won
                ? closed.OrderByDescending(s => s.Probability ?? -1).ThenBy(s => s.Order).FirstOrDefault(s => s.IsWon != false)
                : closed.OrderBy(s => s.Probability ?? 2).ThenBy(s => s.Order).FirstOrDefault(s => s.IsWon != true);
            return pick is null
                ? (null, $"pipeline '{pipeline.Id}' has no closed {(won ? "won" : "lost")} stage for '{target}'")
                : (pick.Id, null);
        }

        var open = pipeline.Stages.Where(s => s.IsClosed != true).ToList();
        var byLabel = open.FirstOrDefault(s => string.Equals(s.Label.Trim(), meaning.Label.Trim(), StringComparison.OrdinalIgnoreCase));
        if (byLabel is not null)
        {
            return (byLabel.Id, null);
        }

        var nearest = open
            .OrderBy(s => s.Probability is { } p && meaning.Probability is { } q ? Math.Abs(p - q) : double.MaxValue)
            .ThenBy(s => s.Order)
            .FirstOrDefault();
        return nearest is null ? (null, $"pipeline '{pipeline.Id}' has no open stage for '{target}'") : (nearest.Id, null);
    }

    /// <summary>Reads <c>GET /crm/v3/pipelines/deals</c>.</summary>
    public static List<HubSpotPipeline> Parse(CrmHttpResponse response)
    {
        using var document = response.Json(CrmProvider.HubSpot);
        var root = HubSpotJson.RootObject(document, response);
        var list = new List<HubSpotPipeline>();
        foreach (var item in HubSpotJson.Array(root, "results", response))
        {
            var id = HubSpotJson.Text(item, "id") ?? throw HubSpotJson.Unexpected(response, "a pipeline has no id");
            var stages = new List<HubSpotStage>();
            var order = 0;
            foreach (var stage in HubSpotJson.Array(item, "stages", response))
            {
                var stageId = HubSpotJson.Text(stage, "id") ?? throw HubSpotJson.Unexpected(response, $"a stage of pipeline {id} has no id");
                var metadata = HubSpotJson.Child(stage, "metadata");
                double? probability = metadata is { } m && double.TryParse(HubSpotJson.Text(m, "probability"), NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : null;
                bool? closed = metadata is { } n && bool.TryParse(HubSpotJson.Text(n, "isClosed"), out var c) ? c : null;
                var displayOrder = int.TryParse(HubSpotJson.Text(stage, "displayOrder"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var o) ? o : order;
                stages.Add(new HubSpotStage(id, stageId, HubSpotJson.Text(stage, "label") ?? stageId, probability, closed, displayOrder));
                order++;
            }

            list.Add(new HubSpotPipeline(id, HubSpotJson.Text(item, "label") ?? id, stages.OrderBy(s => s.Order).ToList()));
        }

        return list;
    }
}

/// <summary>
/// Per-connection cache of deal pipelines, loaded once per <see cref="HubSpotOptions.PipelineCacheDuration"/> and again
/// as soon as a record names a stage the cache does not know (a pipeline created since). A stage still unknown after a
/// reload is remembered, so a deal with a stale stage id does not reload the pipelines on every read.
/// </summary>
internal sealed class HubSpotPipelineCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async ValueTask<HubSpotPipelineSet> GetAsync(
        CrmConnection connection,
        IReadOnlyCollection<(string? Pipeline, string Stage)> needed,
        Func<CancellationToken, Task<HubSpotPipelineSet>> load,
        DateTimeOffset now,
        TimeSpan duration,
        CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(connection.ConnectionKey, static _ => new Entry());
        if (Fresh(entry, needed, now, duration) is { } current)
        {
            return current;
        }

        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fresh(entry, needed, now, duration) is { } again)
            {
                return again;
            }

            var set = await load(cancellationToken).ConfigureAwait(false);
            lock (entry.Missing)
            {
                entry.Missing.Clear();
                foreach (var (pipeline, stage) in needed)
                {
                    if (set.Find(pipeline, stage) is null)
                    {
                        entry.Missing.Add(stage);
                    }
                }
            }

            entry.Set = set;
            return set;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private static HubSpotPipelineSet? Fresh(Entry entry, IReadOnlyCollection<(string? Pipeline, string Stage)> needed, DateTimeOffset now, TimeSpan duration)
    {
        var set = entry.Set;
        if (set is null || now - set.LoadedAt >= duration)
        {
            return null;
        }

        lock (entry.Missing)
        {
            return needed.Any(n => set.Find(n.Pipeline, n.Stage) is null && !entry.Missing.Contains(n.Stage)) ? null : set;
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public HashSet<string> Missing { get; } = new(StringComparer.Ordinal);

        public HubSpotPipelineSet? Set { get; set; }
    }
}
