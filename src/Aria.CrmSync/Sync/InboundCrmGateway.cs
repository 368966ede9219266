using System.Runtime.CompilerServices;
using Aria.CrmSync.Storage;

namespace Aria.CrmSync.Sync;

/// <summary>
/// Wraps each registered gateway so that text read from a CRM is storable in every store before the engine sees it:
/// U+0000 becomes U+2400 (SYMBOL FOR NULL) and a lone surrogate U+FFFD (<see cref="StorableText.Repair"/>). A record or
/// activity whose text was changed carries the metadata flag <see cref="RepairedFlag"/> = <c>true</c>, which lead
/// events keep. A single record read by id that is outside <see cref="CrmValueRules"/> is a
/// <see cref="CrmSyncDataException"/> (batches are checked per record by the engine).
/// </summary>
internal sealed class InboundCrmGateway(ICrmGateway inner) : ICrmGateway
{
    /// <summary>The metadata key that marks text repaired on the way in.</summary>
    public const string RepairedFlag = "aria_text_repaired";

    public ICrmGateway Inner => inner;

    public CrmProvider Provider => inner.Provider;

    public int MaxUpdateBatchSize => inner.MaxUpdateBatchSize;

    public async Task<CrmRecord?> GetRecordAsync(CrmConnection connection, string crmId, CancellationToken cancellationToken = default)
    {
        var record = await inner.GetRecordAsync(connection, crmId, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return null;
        }

        record = Repair(record);
        return CrmValueRules.RecordProblem(record) is { } problem
            ? throw new CrmSyncDataException($"The CRM record cannot be synced: {problem}", $"{Serialization.WireValue.Format(Provider)} record {Shorten(crmId)}", Provider)
            : record;
    }

    public async Task<IReadOnlyList<CrmRecord>> GetRecordsAsync(CrmConnection connection, IReadOnlyList<string> crmIds, CancellationToken cancellationToken = default)
        => [.. (await inner.GetRecordsAsync(connection, crmIds, cancellationToken).ConfigureAwait(false)).Select(Repair)];

    public async IAsyncEnumerable<CrmChangePage> GetChangesAsync(CrmConnection connection, CrmCursor? since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var page in inner.GetChangesAsync(connection, since, cancellationToken).ConfigureAwait(false))
        {
            yield return page with { Records = [.. page.Records.Select(Repair)] };
        }
    }

    public Task<IReadOnlyList<CrmWriteResult>> UpdateRecordsAsync(CrmConnection connection, IReadOnlyList<CrmRecordUpdate> updates, CancellationToken cancellationToken = default)
        => inner.UpdateRecordsAsync(connection, updates, cancellationToken);

    public Task<IReadOnlyList<CrmNoteResult>> CreateNotesAsync(CrmConnection connection, IReadOnlyList<CrmNoteRequest> notes, CancellationToken cancellationToken = default)
        => inner.CreateNotesAsync(connection, notes, cancellationToken);

    public async IAsyncEnumerable<CrmActivity> GetActivitiesAsync(CrmConnection connection, string crmId, DateTimeOffset? since = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var activity in inner.GetActivitiesAsync(connection, crmId, since, cancellationToken).ConfigureAwait(false))
        {
            yield return Repair(activity);
        }
    }

    public async IAsyncEnumerable<CrmActivityPage> GetActivityChangesAsync(CrmConnection connection, CrmCursor? since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var page in inner.GetActivityChangesAsync(connection, since, cancellationToken).ConfigureAwait(false))
        {
            yield return page with { Activities = [.. page.Activities.Select(Repair)] };
        }
    }

    /// <summary>A value short enough to name in a message or an audit detail (ids that break the rules can be megabytes).</summary>
    internal static string Shorten(string? value)
    {
        var repaired = false;
        var text = StorableText.Repair(value ?? string.Empty, ref repaired)!;
        return text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), $"… ({text.Length} chars)");
    }

    internal static CrmActivity Repair(CrmActivity activity)
    {
        if (!NeedsRepair(activity))
        {
            return activity;
        }

        var repaired = false;
        var result = activity with
        {
            ActivityType = StorableText.Repair(activity.ActivityType, ref repaired)!,
            Subject = StorableText.Repair(activity.Subject, ref repaired),
            Body = StorableText.Repair(activity.Body, ref repaired),
            Status = StorableText.Repair(activity.Status, ref repaired),
            Direction = StorableText.Repair(activity.Direction, ref repaired),
            Metadata = Repair(activity.Metadata, ref repaired),
        };
        return repaired ? result with { Metadata = Flagged(result.Metadata) } : activity;
    }

    /// <summary>
    /// A record whose text is all storable is returned as it is, not copied: a change page or a batch read by id then
    /// exists once in memory, not twice (the gateway's and the engine's), while the engine works on it.
    /// </summary>
    internal static CrmRecord Repair(CrmRecord record)
    {
        if (!NeedsRepair(record))
        {
            return record;
        }

        var repaired = false;
        var result = record with
        {
            Name = StorableText.Repair(record.Name, ref repaired)!,
            Stage = StorableText.Repair(record.Stage, ref repaired),
            Notes = [.. record.Notes.Select(n => StorableText.Repair(n, ref repaired)!)],
            Contacts = [.. record.Contacts.Select(c => (IReadOnlyDictionary<string, string?>)Repair(c, ref repaired))],
            Metadata = Repair(record.Metadata, ref repaired),
            Fields = record.Fields.Count == 0 ? record.Fields : Repair(record.Fields, ref repaired),
            Activities = [.. record.Activities.Select(Repair)],
        };
        return repaired ? result with { Metadata = Flagged(result.Metadata) } : result;
    }

    private static bool NeedsRepair(CrmRecord record)
        => StorableText.NeedsRepair(record.Name)
            || StorableText.NeedsRepair(record.Stage)
            || record.Notes.Any(StorableText.NeedsRepair)
            || record.Contacts.Any(NeedsRepair)
            || NeedsRepair(record.Metadata)
            || NeedsRepair(record.Fields)
            || record.Activities.Any(NeedsRepair);

    private static bool NeedsRepair(CrmActivity activity)
        => StorableText.NeedsRepair(activity.ActivityType)
            || StorableText.NeedsRepair(activity.Subject)
            || StorableText.NeedsRepair(activity.Body)
            || StorableText.NeedsRepair(activity.Status)
            || StorableText.NeedsRepair(activity.Direction)
            || NeedsRepair(activity.Metadata);

    private static bool NeedsRepair(IReadOnlyDictionary<string, string?> values)
        => values.Any(kv => StorableText.NeedsRepair(kv.Key) || StorableText.NeedsRepair(kv.Value));

    private static Dictionary<string, string?> Repair(IReadOnlyDictionary<string, string?> values, ref bool repaired)
    {
        var result = new Dictionary<string, string?>(values.Count, StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            result[StorableText.Repair(key, ref repaired)!] = StorableText.Repair(value, ref repaired);
        }

        return result;
    }

    private static Dictionary<string, string?> Flagged(IReadOnlyDictionary<string, string?> metadata)
        => new(metadata, StringComparer.Ordinal) { [RepairedFlag] = "true" };
}
