using System.Text;

namespace Aria.CrmSync.Sample;

/// <summary>The end-of-run summary: sync outcome per CRM, API calls, an audit excerpt, verification and exports.</summary>
internal static class Report
{
    public static async Task PrintStatusAsync(ISyncStateStore states, string userId, IReadOnlyDictionary<CrmProvider, ConnectionSyncResult> results, IReadOnlyDictionary<CrmProvider, int> summariesPushed, IReadOnlyDictionary<CrmProvider, long?> apiCalls, CancellationToken cancellationToken)
    {
        Console.WriteLine();
        Console.WriteLine("  CRM         leads  synced  pending  conflict  error │ from CRM  to CRM  conflicts (rule/open)  notes  activities  API calls");
        Console.WriteLine("  ──────────  ─────  ──────  ───────  ────────  ───── │ ────────  ──────  ─────────────────────  ─────  ──────────  ─────────");
        foreach (var provider in new[] { CrmProvider.Salesforce, CrmProvider.HubSpot })
        {
            var counts = new Dictionary<SyncStatus, int>();
            await foreach (var state in states.QueryAsync(new SyncStateQuery { UserId = userId, Provider = provider }, cancellationToken))
            {
                counts[state.Status] = counts.GetValueOrDefault(state.Status) + 1;
            }

            var r = results.GetValueOrDefault(provider);
            Console.WriteLine(
                $"  {Name(provider),-10}  {counts.Values.Sum(),5}  {counts.GetValueOrDefault(SyncStatus.Synced),6}  {counts.GetValueOrDefault(SyncStatus.Pending),7}  {counts.GetValueOrDefault(SyncStatus.Conflict),8}  {counts.GetValueOrDefault(SyncStatus.Error),5} │ " +
                $"{r?.LeadsUpdated ?? 0,8}  {r?.CrmRecordsUpdated ?? 0,6}  {$"{r?.ConflictsResolved ?? 0}/{r?.ConflictsOpen ?? 0}",21}  {(r?.NotesPushed ?? 0) + summariesPushed.GetValueOrDefault(provider),5}  {r?.ActivitiesAdded ?? 0,10}  {(apiCalls.GetValueOrDefault(provider) is { } calls ? calls.ToString(System.Globalization.CultureInfo.InvariantCulture) : "n/a"),9}");
            if (r is { Completed: false })
            {
                Console.WriteLine($"  {string.Empty,-10}  not completed: {r.Reason}");
            }

            foreach (var failure in r?.Failures.Take(3) ?? [])
            {
                Console.WriteLine($"  {string.Empty,-10}  {failure.LeadMemoryId}: {failure.ErrorCode} {failure.Error}");
            }
        }
    }

    public static async Task PrintAuditAsync(ICrmAuditService audit, string userId, CancellationToken cancellationToken)
    {
        Console.WriteLine();
        Console.WriteLine("Latest audit entries:");
        foreach (var entry in await audit.QueryAuditLogAsync(new AuditQuery { UserId = userId, Limit = 8 }, cancellationToken))
        {
            var details = entry.Details.GetRawText();
            Console.WriteLine($"  #{entry.Sequence,-6} {entry.CreatedAt.ToUniversalTime():yyyy-MM-dd HH:mm:ss.fff}Z {Serialization.WireValue.Format(entry.Operation),-18} {Name(entry.Provider),-10} {entry.LeadMemoryId ?? "(connection)",-32} {(entry.Success ? "ok " : "ERR")} {Shorten(details, 70)}");
        }

        // Checked against every anchor of this and earlier runs, then the head is anchored for the next run to check.
        var verification = await audit.VerifyAgainstAnchorsAsync(userId, cancellationToken);
        Console.WriteLine(verification.IsValid
            ? $"Audit chain verified: {verification.EntriesVerified:N0} entries intact, head #{verification.Head?.Sequence} {verification.Head?.Hash?[..16]}…, agrees with {verification.AnchorsChecked:N0} anchor(s)"
            : $"AUDIT CHAIN BROKEN: {verification.Kind} at #{verification.FailedSequence}{(verification.FailedAnchor is { } anchor ? $" (anchor #{anchor.Head.Sequence} of {anchor.IssuedAt:u})" : string.Empty)}: {verification.Message}");
        if (verification.IsValid)
        {
            await audit.ExportAnchorAsync(userId, cancellationToken);
        }
    }

    public static async Task<(string Csv, string Json)> ExportAsync(ICrmAuditService audit, string userId, string directory, CancellationToken cancellationToken)
    {
        var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var csv = Path.GetFullPath(Path.Combine(directory, $"audit-{stamp}.csv"));
        var json = Path.GetFullPath(Path.Combine(directory, $"audit-{stamp}.json"));
        long rows;
        await using (var file = File.Create(csv))
        {
            rows = (await audit.ExportAuditLogAsync(new AuditExportRequest { UserId = userId, Format = AuditExportFormat.Csv }, file, cancellationToken)).EntriesWritten;
        }

        await using (var file = File.Create(json))
        {
            await audit.ExportAuditLogAsync(new AuditExportRequest { UserId = userId, Format = AuditExportFormat.Json }, file, cancellationToken);
        }

        Console.WriteLine($"Audit trail exported ({rows:N0} entries):");
        Console.WriteLine($"  CSV  {csv}");
        Console.WriteLine($"  JSON {json}");
        return (csv, json);
    }

    public static string Name(CrmProvider provider) => provider == CrmProvider.Salesforce ? "Salesforce" : "HubSpot";

    private static string Shorten(string text, int max)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        var flat = builder.ToString();
        return flat.Length <= max ? flat : flat[..(max - 1)] + "…";
    }
}
