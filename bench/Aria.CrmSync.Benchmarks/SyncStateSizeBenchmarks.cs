using System.Text.Json;
using Aria.CrmSync.Serialization;
using Aria.CrmSync.Sync;
using BenchmarkDotNet.Attributes;

namespace Aria.CrmSync.Benchmarks;

/// <summary>
/// A lead's sync state after 1,000 delivered notes (2,000 characters each) and 100 resolved conflicts, built by the
/// engine's own outbox and conflict-log transitions, serialised as every optimistic write does. Target: the bounded state
/// stays under 4 KB (the setup fails otherwise and prints both sizes); <c>Unbounded</c> is the same history as the engine
/// kept it before (every note's text, the whole conflict log).
/// </summary>
[MemoryDiagnoser]
public class SyncStateSizeBenchmarks
{
    /// <summary>The largest serialised state the target allows.</summary>
    public const int TargetBytes = 4_096;

    private readonly CrmSyncOptions _options = new();
    private CrmSyncState _bounded = null!;
    private CrmSyncState _unbounded = null!;

    /// <summary>Gets the serialised size of the bounded state, in bytes.</summary>
    public int BoundedBytes { get; private set; }

    /// <summary>Gets the serialised size of the unbounded state, in bytes.</summary>
    public int UnboundedBytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        (_bounded, _unbounded) = Build(_options);
        BoundedBytes = JsonSerializer.SerializeToUtf8Bytes(_bounded, CrmSyncJson.Options).Length;
        UnboundedBytes = JsonSerializer.SerializeToUtf8Bytes(_unbounded, CrmSyncJson.Options).Length;
        Console.WriteLine($"// sync state after 1,000 notes and 100 resolved conflicts: bounded {BoundedBytes:N0} bytes, unbounded {UnboundedBytes:N0} bytes (target < {TargetBytes:N0})");
        if (BoundedBytes >= TargetBytes)
        {
            throw new InvalidOperationException($"The bounded sync state has {BoundedBytes} bytes; the target is under {TargetBytes}.");
        }
    }

    [Benchmark(Baseline = true)]
    public int Unbounded() => JsonSerializer.SerializeToUtf8Bytes(_unbounded, CrmSyncJson.Options).Length;

    [Benchmark]
    public int Bounded() => JsonSerializer.SerializeToUtf8Bytes(_bounded, CrmSyncJson.Options).Length;

    /// <summary>Builds the state by recording and delivering each note, then recording and resolving each conflict.</summary>
    public static (CrmSyncState Bounded, CrmSyncState Unbounded) Build(CrmSyncOptions options)
    {
        var bounded = BenchData.State(0);
        var unbounded = bounded;
        var text = "[ARIA] " + new string('x', 2_000);
        for (var i = 0; i < 1_000; i++)
        {
            var at = BenchData.T0.AddMinutes(i);
            var key = $"aria-{i:x24}";
            var item = new OutboxItem { IdempotencyKey = key, Text = text, CreatedAt = at };
            var result = new Dictionary<string, CrmNoteResult>(StringComparer.Ordinal) { [key] = new CrmNoteResult { IdempotencyKey = key, Success = true, NoteId = $"069{i:D15}" } };
            bounded = NoteOutbox.Record(bounded with { Outbox = [.. bounded.Outbox, item with { Status = OutboxItemStatus.InFlight, Attempts = 1, LastAttemptAt = at }] }, result, at, options.MaxRetries, options.DeliveredNotesKept);
            unbounded = unbounded with { Outbox = [.. unbounded.Outbox, item with { Status = OutboxItemStatus.Done, Attempts = 1, LastAttemptAt = at, CrmObjectId = result[key].NoteId }] };
        }

        for (var i = 0; i < 100; i++)
        {
            var at = BenchData.T0.AddHours(i);
            var conflict = new SyncConflict
            {
                Field = LeadFields.ExpectedValue,
                AriaValue = (1_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
                CrmValue = (2_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
                BaseValue = "500",
                Resolution = ConflictResolution.CrmWins,
                ResolvedValue = (2_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
                DetectedAt = at,
                ResolvedAt = at,
            };
            bounded = bounded with { ConflictLog = SyncStateRetention.CompactConflictLog([.. bounded.ConflictLog, conflict], options.ResolvedConflictsKept) };
            unbounded = unbounded with { ConflictLog = [.. unbounded.ConflictLog, conflict] };
        }

        return (bounded, unbounded);
    }
}
