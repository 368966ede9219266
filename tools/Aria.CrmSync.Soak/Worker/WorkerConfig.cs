using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aria.CrmSync.Soak.Worker;

/// <summary>What a sync worker needs to start (written by the driver, read by each worker process).</summary>
public sealed record WorkerConfig
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Gets the store: <c>sqlite</c> or <c>postgres</c>.</summary>
    public required string Store { get; init; }

    public required string ConnectionString { get; init; }

    public string? Schema { get; init; }

    public required Uri SalesforceUrl { get; init; }

    public required Uri HubSpotUrl { get; init; }

    public required string SalesforceClientId { get; init; }

    public required string SalesforceClientSecret { get; init; }

    public required string HubSpotClientId { get; init; }

    public required string HubSpotClientSecret { get; init; }

    /// <summary>Gets the file holding every connection's tokens (the workers persist refreshed tokens there).</summary>
    public required string TokensPath { get; init; }

    public required string JournalDirectory { get; init; }

    public required IReadOnlyList<string> Users { get; init; }

    public required Dictionary<string, ConflictResolution> FieldRules { get; init; }

    public int RetryBaseDelayMs { get; init; } = 40;

    public int RetryMaxDelayMs { get; init; } = 800;

    public int LeaseSeconds { get; init; } = 15;

    /// <summary>Gets how long a worker holds a note it delivers (a killed worker's notes are sent again after it).</summary>
    public int NoteClaimSeconds { get; init; } = 15;

    /// <summary>Gets a value indicating whether the HTTP circuit breaker keeps the library's defaults (otherwise it opens only above 50 % failures).</summary>
    public bool DefaultCircuitBreaker { get; init; }

    public static WorkerConfig Load(string path) => JsonSerializer.Deserialize<WorkerConfig>(File.ReadAllText(path), Json)!;

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
}

/// <summary>What a worker does in one round: push summaries, sync the connections, run due retries, sync some leads by hand.</summary>
public sealed record RoundCommands
{
    public required int Round { get; init; }

    /// <summary>Gets a value indicating whether this is the final quiescent pass (faults off: every lead synced by hand, full reconciliation).</summary>
    public bool Final { get; init; }

    public List<SummaryCommand> Summaries { get; init; } = [];

    public List<LeadRef> Manual { get; init; } = [];

    /// <summary>Gets how many times the worker syncs every connection in the round (the last pass after the retries and manual syncs).</summary>
    public int ConnectionPasses { get; init; } = 1;

    /// <summary>Gets how long the worker keeps processing due retries after the connection syncs.</summary>
    public double RetrySeconds { get; init; } = 1.5;

    public static RoundCommands Load(string path) => JsonSerializer.Deserialize<RoundCommands>(File.ReadAllText(path), WorkerConfig.Json)!;

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, WorkerConfig.Json));
}

public sealed record SummaryCommand(string UserId, string LeadId, string Text);

public sealed record LeadRef(string UserId, string LeadId);
