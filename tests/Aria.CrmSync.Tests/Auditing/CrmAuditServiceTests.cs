using System.Text;
using System.Text.Json;
using Aria.CrmSync.Tests.TestSupport;
using CsvHelper;

namespace Aria.CrmSync.Tests.Auditing;

/// <summary>Seed plan: test_crm_audit.py (log, conflict, query, export), against the real service and store.</summary>
public class CrmAuditServiceTests
{
    private const string User = "user-123";

    [Fact]
    public async Task LogSyncOperationAsync_Push_ReturnsIdOfStoredEntry()
    {
        await using var h = new SyncHarness();

        var entry = await h.Audit.LogSyncOperationAsync(User, "lead-456", CrmAuditOperation.Push, CrmProvider.Salesforce, true, new Dictionary<string, object?> { ["notes_pushed"] = 3 });

        Assert.False(string.IsNullOrEmpty(entry.Id));
        var stored = Assert.Single(await h.Audit.QueryAuditLogAsync(new AuditQuery { UserId = User }));
        Assert.Equal(entry.Id, stored.Id);
        Assert.Equal(3, stored.Details.GetProperty("notes_pushed").GetInt32());
    }

    [Fact]
    public async Task LogSyncOperationAsync_StoresAllFields()
    {
        await using var h = new SyncHarness();

        await h.Audit.LogSyncOperationAsync(User, "lead-456", CrmAuditOperation.Pull, CrmProvider.HubSpot, true, new Dictionary<string, object?> { ["stages_synced"] = 1 });

        var stored = Assert.Single(await h.Audit.QueryAuditLogAsync(new AuditQuery()));
        Assert.Equal(User, stored.UserId);
        Assert.Equal("lead-456", stored.LeadMemoryId);
        Assert.Equal(CrmAuditOperation.Pull, stored.Operation);
        Assert.Equal(CrmProvider.HubSpot, stored.Provider);
        Assert.True(stored.Success);
        Assert.Null(stored.ErrorMessage);
        Assert.Equal(h.Time.GetUtcNow(), stored.CreatedAt);
        Assert.Equal(1, stored.Sequence);
        Assert.Null(stored.PreviousHash);
        Assert.Equal(64, stored.Hash.Length);
    }

    [Fact]
    public async Task LogConflictAsync_RecordsResolutionDetails()
    {
        await using var h = new SyncHarness();

        var entry = await h.Audit.LogConflictAsync(User, "lead-456", CrmProvider.Salesforce, "lifecycle_stage", "opportunity", "prospect", ConflictResolution.CrmWins, "prospect");

        Assert.Equal(CrmAuditOperation.ConflictResolved, entry.Operation);
        Assert.Equal("lifecycle_stage", entry.Details.GetProperty("field").GetString());
        Assert.Equal("crm_wins", entry.Details.GetProperty("resolution").GetString());
        Assert.Equal("opportunity", entry.Details.GetProperty("aria_value").GetString());
        Assert.Equal("prospect", entry.Details.GetProperty("crm_value").GetString());
        Assert.Equal("prospect", entry.Details.GetProperty("resolved_value").GetString());
    }

    [Fact]
    public async Task QueryAuditLogAsync_ByLead_ReturnsNewestFirst()
    {
        await using var h = new SyncHarness();
        var older = await h.Audit.LogSyncOperationAsync(User, "lead-456", CrmAuditOperation.Pull, CrmProvider.Salesforce, true);
        h.Time.Advance(TimeSpan.FromHours(1));
        var newer = await h.Audit.LogSyncOperationAsync(User, "lead-456", CrmAuditOperation.Push, CrmProvider.Salesforce, true);
        await h.Audit.LogSyncOperationAsync(User, "lead-other", CrmAuditOperation.Push, CrmProvider.Salesforce, true);

        var logs = await h.Audit.QueryAuditLogAsync(new AuditQuery { LeadMemoryId = "lead-456" });

        Assert.Equal([newer.Id, older.Id], logs.Select(l => l.Id));
    }

    [Fact]
    public async Task QueryAuditLogAsync_ByDateRange_IsInclusiveOnBothEnds()
    {
        await using var h = new SyncHarness();
        var start = h.Time.GetUtcNow();
        var ids = new List<string>();
        for (var day = 0; day < 10; day++)
        {
            ids.Add((await h.Audit.LogSyncOperationAsync(User, "lead-1", CrmAuditOperation.Pull, CrmProvider.Salesforce, true)).Id);
            h.Time.Advance(TimeSpan.FromDays(1));
        }

        var logs = await h.Audit.QueryAuditLogAsync(new AuditQuery { DateStart = start.AddDays(3), DateEnd = start.AddDays(7) });

        Assert.Equal(ids.Skip(3).Take(5).Reverse(), logs.Select(l => l.Id));
    }

    [Fact]
    public async Task QueryAuditLogAsync_Filters_CombineWithAnd()
    {
        await using var h = new SyncHarness();
        await h.Audit.LogSyncOperationAsync(User, "l1", CrmAuditOperation.Push, CrmProvider.Salesforce, true);
        await h.Audit.LogSyncOperationAsync(User, "l1", CrmAuditOperation.Error, CrmProvider.Salesforce, false, errorMessage: "boom");
        await h.Audit.LogSyncOperationAsync(User, "l2", CrmAuditOperation.Error, CrmProvider.HubSpot, false, errorMessage: "boom");
        await h.Audit.LogSyncOperationAsync("user-2", "l3", CrmAuditOperation.Error, CrmProvider.Salesforce, false, errorMessage: "boom");

        Assert.Equal(3, (await h.Audit.QueryAuditLogAsync(new AuditQuery { UserId = User })).Count);
        Assert.Equal(2, (await h.Audit.QueryAuditLogAsync(new AuditQuery { UserId = User, Success = false })).Count);
        Assert.Single(await h.Audit.QueryAuditLogAsync(new AuditQuery { UserId = User, Success = false, Provider = CrmProvider.HubSpot }));
        Assert.Equal(3, (await h.Audit.QueryAuditLogAsync(new AuditQuery { Operation = CrmAuditOperation.Error })).Count);
        Assert.Single(await h.Audit.QueryAuditLogAsync(new AuditQuery { Operation = CrmAuditOperation.Push }));
        Assert.Empty(await h.Audit.QueryAuditLogAsync(new AuditQuery { UserId = "user-2", Provider = CrmProvider.HubSpot }));
    }

    [Fact]
    public async Task QueryAuditLogAsync_LimitDefaultsTo100_AndOffsetPages()
    {
        await using var h = new SyncHarness();
        var ids = new List<string>();
        for (var i = 0; i < 150; i++)
        {
            ids.Add((await h.Audit.LogSyncOperationAsync(User, "l", CrmAuditOperation.Pull, CrmProvider.Salesforce, true)).Id);
            h.Time.Advance(TimeSpan.FromSeconds(1));
        }

        ids.Reverse();
        Assert.Equal(ids.Take(100), (await h.Audit.QueryAuditLogAsync(new AuditQuery())).Select(e => e.Id));
        Assert.Equal(ids.Skip(140), (await h.Audit.QueryAuditLogAsync(new AuditQuery { Offset = 140 })).Select(e => e.Id));
        Assert.Equal(ids.Skip(10).Take(5), (await h.Audit.QueryAuditLogAsync(new AuditQuery { Offset = 10, Limit = 5 })).Select(e => e.Id));
    }

    [Fact]
    public async Task QueryAuditLogAsync_InvalidQuery_Throws()
    {
        await using var h = new SyncHarness();
        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Audit.QueryAuditLogAsync(new AuditQuery { Limit = -1 }));
        Assert.Equal("Limit", ex.ParamName);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Audit.QueryAuditLogAsync(new AuditQuery { DateStart = DateTimeOffset.UnixEpoch.AddDays(1), DateEnd = DateTimeOffset.UnixEpoch }));
    }

    [Fact]
    public async Task ExportAuditLogAsync_Csv_HasSeedHeaderAndRows()
    {
        await using var h = new SyncHarness();
        var entry = await h.Audit.LogSyncOperationAsync(User, "lead-456", CrmAuditOperation.Push, CrmProvider.Salesforce, true, new Dictionary<string, object?> { ["notes"] = 2 });

        var csv = await ExportAsync(h, new AuditExportRequest { UserId = User, Format = AuditExportFormat.Csv });

        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,user_id,lead_memory_id,operation,provider,success,details,error_message,created_at", lines[0]);
        Assert.Contains("id,user_id,lead_memory_id", csv);
        Assert.Contains(entry.Id, csv);
        Assert.Contains("salesforce", csv);
        var rows = ReadCsv(csv);
        Assert.Equal([entry.Id, User, "lead-456", "push", "salesforce", "true", "{\"notes\":2}", string.Empty, "2026-02-04T09:00:00.000000Z"], rows[1]);
    }

    [Fact]
    public async Task ExportAuditLogAsync_Json_IsAnArrayOfEntries()
    {
        await using var h = new SyncHarness();
        var entry = await h.Audit.LogSyncOperationAsync(User, "lead-456", CrmAuditOperation.Push, CrmProvider.Salesforce, true, new Dictionary<string, object?> { ["notes"] = 2 });

        var json = await ExportAsync(h, new AuditExportRequest { UserId = User, Format = AuditExportFormat.Json });

        using var parsed = JsonDocument.Parse(json);
        var item = Assert.Single(parsed.RootElement.EnumerateArray());
        Assert.Equal(entry.Id, item.GetProperty("id").GetString());
        Assert.Equal("push", item.GetProperty("operation").GetString());
        Assert.Equal(2, item.GetProperty("details").GetProperty("notes").GetInt32());
        Assert.Equal(entry.Hash, item.GetProperty("hash").GetString());
        Assert.Equal(1, item.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task ExportAuditLogAsync_EmptyTrail_WritesHeaderOrEmptyArray()
    {
        await using var h = new SyncHarness();
        Assert.Equal("id,user_id,lead_memory_id,operation,provider,success,details,error_message,created_at\r\n", await ExportAsync(h, new AuditExportRequest { UserId = User }));
        Assert.Equal("[]", await ExportAsync(h, new AuditExportRequest { UserId = User, Format = AuditExportFormat.Json }));
    }

    [Fact]
    public async Task ExportAuditLogAsync_OnlyThatUsersEntries_WithFilters()
    {
        await using var h = new SyncHarness();
        await h.Audit.LogSyncOperationAsync(User, "l1", CrmAuditOperation.Push, CrmProvider.Salesforce, true);
        await h.Audit.LogSyncOperationAsync(User, "l2", CrmAuditOperation.Push, CrmProvider.Salesforce, true);
        await h.Audit.LogSyncOperationAsync("user-2", "l1", CrmAuditOperation.Push, CrmProvider.Salesforce, true);

        var all = ReadCsv(await ExportAsync(h, new AuditExportRequest { UserId = User }));
        var one = ReadCsv(await ExportAsync(h, new AuditExportRequest { UserId = User, LeadMemoryId = "l2" }));

        Assert.Equal(3, all.Count);
        Assert.All(all.Skip(1), r => Assert.Equal(User, r[1]));
        Assert.Equal(2, one.Count);
        Assert.Equal("l2", one[1][2]);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil\",\"x\")")]
    [InlineData("+cmd|' /C calc'!A0")]
    [InlineData("-2+3+cmd|' /C calc'!A0")]
    [InlineData("@SUM(1+1)*cmd|' /C calc'!A0")]
    [InlineData("\t=1+1")]
    [InlineData("\r=1+1")]
    public async Task ExportAuditLogAsync_Csv_NeutralisesFormulaCells(string payload)
    {
        await using var h = new SyncHarness();
        var leadId = payload.TrimStart('\t', '\r'); // ids hold no control characters; text (the error message) may
        await h.Audit.LogSyncOperationAsync(User, leadId, CrmAuditOperation.Error, CrmProvider.Salesforce, false, new Dictionary<string, object?> { ["note"] = payload }, payload);

        var rows = ReadCsv(await ExportAsync(h, new AuditExportRequest { UserId = User }));

        Assert.Equal(2, rows.Count);
        Assert.Equal(9, rows[1].Length);
        Assert.Equal("'" + leadId, rows[1][2]); // lead_memory_id
        Assert.Equal("'" + payload, rows[1][7]); // error_message
        Assert.StartsWith("{", rows[1][6], StringComparison.Ordinal); // details stay JSON, the payload inside is inert
        Assert.Equal(payload, JsonDocument.Parse(rows[1][6]).RootElement.GetProperty("note").GetString());
    }

    [Fact]
    public async Task ExportAuditLogAsync_Csv_KeepsStructureWithCommasQuotesAndNewlines()
    {
        await using var h = new SyncHarness();
        const string nasty = "a,b \"quoted\"\nnext line; 😀 𝄞";
        await h.Audit.LogSyncOperationAsync(User, "l", CrmAuditOperation.Error, CrmProvider.Salesforce, false, errorMessage: nasty);

        var rows = ReadCsv(await ExportAsync(h, new AuditExportRequest { UserId = User }));

        Assert.Equal(2, rows.Count);
        Assert.Equal(nasty, rows[1][7]);
    }

    [Fact]
    public async Task ExportAuditLogAsync_Streams_WritesBeforeTheLastEntryIsRead()
    {
        await using var h = new SyncHarness();
        var drafts = Enumerable.Range(0, 20_000).Select(i => new CrmAuditEntry
        {
            Id = string.Empty,
            UserId = User,
            LeadMemoryId = "lead-" + i,
            Operation = CrmAuditOperation.Pull,
            Provider = CrmProvider.Salesforce,
            Success = true,
            CreatedAt = h.Time.GetUtcNow().AddSeconds(i),
        }).ToList();
        await h.Audit.LogManyAsync(drafts);

        var probe = new WriteProbeStream();
        var result = await h.Audit.ExportAuditLogAsync(new AuditExportRequest { UserId = User }, probe);

        Assert.Equal(20_000, result.EntriesWritten);
        Assert.True(probe.Writes > 5, $"the export was written in {probe.Writes} write(s): it was buffered, not streamed");
        Assert.True(probe.LargestWrite < 256 * 1024, $"a single write of {probe.LargestWrite} bytes: not bounded");
    }

    [Fact]
    public async Task LogSyncOperationAsync_CredentialsInDetailsOrMessages_AreRedacted()
    {
        await using var h = new SyncHarness();

        var entry = await h.Audit.LogSyncOperationAsync(User, "l", CrmAuditOperation.Error, CrmProvider.HubSpot, false,
            new Dictionary<string, object?>
            {
                ["access_token"] = "CJSP5qf1KhICAQEYs-gDIIGOBii1",
                ["nested"] = new Dictionary<string, object?> { ["client_secret"] = "s3cr3t-value", ["ok"] = "kept" },
                ["url"] = "https://api.hubapi.com/x?hapikey=abcdef123456",
            },
            "401 for Authorization: Bearer CJSP5qf1KhICAQEYs-gDIIGOBii1 refresh_token=5Aep861TSESvWeug");

        var text = CanonicalText(entry);
        Assert.DoesNotContain("CJSP5qf1KhICAQEYs-gDIIGOBii1", text);
        Assert.DoesNotContain("s3cr3t-value", text);
        Assert.DoesNotContain("abcdef123456", text);
        Assert.DoesNotContain("5Aep861TSESvWeug", text);
        Assert.Equal("kept", entry.Details.GetProperty("nested").GetProperty("ok").GetString());
        Assert.Equal("[REDACTED]", entry.Details.GetProperty("access_token").GetString());
    }

    [Fact]
    public async Task VerifyAsync_EntriesWrittenByTheEngine_Verify()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");
        h.Salesforce.Put("006000000000001AAA", "Proposal", 10m);
        await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");
        await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", "hello");

        var result = await h.Audit.VerifyAsync(SyncHarness.UserId);

        Assert.True(result.IsValid, result.Message);
        Assert.True(result.EntriesVerified >= 3);
        Assert.Equal(await h.Audit.GetChainHeadAsync(SyncHarness.UserId), result.Head);
    }

    internal static async Task<string> ExportAsync(SyncHarness h, AuditExportRequest request)
    {
        using var stream = new MemoryStream();
        await h.Audit.ExportAuditLogAsync(request, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    internal static List<string[]> ReadCsv(string csv)
    {
        var rows = new List<string[]>();
        using var reader = CsvReader.Create(new MemoryStream(Encoding.UTF8.GetBytes(csv)), CsvReaderOptions.Default with { HasHeader = false });
        while (reader.Read())
        {
            var row = new string[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.GetString(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    private static string CanonicalText(CrmAuditEntry entry) => entry.Details.GetRawText() + "|" + entry.ErrorMessage;

    private sealed class WriteProbeStream : Stream
    {
        public int Writes { get; private set; }

        public int LargestWrite { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => 0;

        public override long Position { get; set; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Record(count);

        public override void Write(ReadOnlySpan<byte> buffer) => Record(buffer.Length);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Record(buffer.Length);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Record(count);
            return Task.CompletedTask;
        }

        private void Record(int count)
        {
            if (count == 0)
            {
                return;
            }

            Writes++;
            LargestWrite = Math.Max(LargestWrite, count);
        }
    }
}
