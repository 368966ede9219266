using Aria.CrmSync.Tests.TestSupport;

namespace Aria.CrmSync.Tests;

/// <summary>Every public entry point validates its arguments and names the parameter.</summary>
public class ArgumentValidationTests
{
    public static TheoryData<string, string, Func<SyncHarness, Task>> Calls => new()
    {
        { "GetSyncStateAsync", "leadMemoryId", h => h.Sync.GetSyncStateAsync("") },
        { "CreateSyncStateAsync", "userId", h => h.Sync.CreateSyncStateAsync(null!, "l") },
        { "CreateSyncStateAsync", "leadMemoryId", h => h.Sync.CreateSyncStateAsync("u", "") },
        { "UpdateSyncStatusAsync", "leadMemoryId", h => h.Sync.UpdateSyncStatusAsync(null!, SyncStatus.Pending) },
        { "UpdateSyncStatusAsync", "status", h => h.Sync.UpdateSyncStatusAsync("l", (SyncStatus)42) },
        { "MarkLeadChangedAsync", "fields", h => h.Sync.MarkLeadChangedAsync("u", "l", null!) },
        { "PushSummaryAsync", "userId", h => h.Sync.PushSummaryAsync("", "l", "s") },
        { "PushSummaryAsync", "summary", h => h.Sync.PushSummaryAsync("u", "l", " ") },
        { "PushSummaryAsync", "idempotencyKey", h => h.Sync.PushSummaryAsync("u", "l", "s", "") },
        { "QueueSummaryAsync", "summary", h => h.Sync.QueueSummaryAsync("u", "l", "") },
        { "QueueSummaryAsync", "idempotencyKey", h => h.Sync.QueueSummaryAsync("u", "l", "s", new string('k', 101)) },
        { "PullStageChangesAsync", "userId", h => h.Sync.PullStageChangesAsync(null!, "l") },
        { "PullStageChangesAsync", "leadMemoryId", h => h.Sync.PullStageChangesAsync("u", null!) },
        { "PullActivitiesAsync", "leadMemoryId", h => h.Sync.PullActivitiesAsync("u", "") },
        { "TriggerManualSyncAsync", "userId", h => h.Sync.TriggerManualSyncAsync("", "l") },
        { "ScheduleRetryAsync", "leadMemoryId", h => h.Sync.ScheduleRetryAsync("") },
        { "ScheduleRetryAsync", "retryAfter", h => h.Sync.ScheduleRetryAsync("l", TimeSpan.FromSeconds(-1)) },
        { "ProcessDueRetriesAsync", "maxLeads", h => h.Sync.ProcessDueRetriesAsync(0) },
        { "ResolveConflictAsync", "field", h => h.Sync.ResolveConflictAsync("u", "l", "", ConflictResolution.CrmWins) },
        { "ResolveConflictAsync", "resolution", h => h.Sync.ResolveConflictAsync("u", "l", "f", ConflictResolution.Merge) },
        { "LogSyncOperationAsync", "userId", h => h.Audit.LogSyncOperationAsync("", "l", CrmAuditOperation.Push, CrmProvider.Salesforce, true) },
        { "LogSyncOperationAsync", "leadMemoryId", h => h.Audit.LogSyncOperationAsync("u", "", CrmAuditOperation.Push, CrmProvider.Salesforce, true) },
        { "LogSyncOperationAsync", "operation", h => h.Audit.LogSyncOperationAsync("u", "l", (CrmAuditOperation)99, CrmProvider.Salesforce, true) },
        { "LogSyncOperationAsync", "provider", h => h.Audit.LogSyncOperationAsync("u", "l", CrmAuditOperation.Push, default, true) },
        { "LogConflictAsync", "field", h => h.Audit.LogConflictAsync("u", "l", CrmProvider.HubSpot, "", "a", "b", ConflictResolution.CrmWins, "b") },
        { "LogManyAsync", "drafts", h => h.Audit.LogManyAsync(null!) },
        { "QueryAuditLogAsync", "query", h => h.Audit.QueryAuditLogAsync(null!) },
        { "QueryAuditLogAsync", "Offset", h => h.Audit.QueryAuditLogAsync(new AuditQuery { Offset = -1 }) },
        { "ExportAuditLogAsync", "request", h => h.Audit.ExportAuditLogAsync(null!, Stream.Null) },
        { "ExportAuditLogAsync", "request", h => h.Audit.ExportAuditLogAsync(new AuditExportRequest { UserId = "" }, Stream.Null) },
        { "ExportAuditLogAsync", "destination", h => h.Audit.ExportAuditLogAsync(new AuditExportRequest { UserId = "u" }, null!) },
        { "ExportAuditLogAsync", "destination", h => h.Audit.ExportAuditLogAsync(new AuditExportRequest { UserId = "u" }, new MemoryStream([], writable: false)) },
        { "VerifyAsync", "userId", h => h.Audit.VerifyAsync("") },
        { "VerifyAsync", "anchor", h => h.Audit.VerifyAsync("u", new AuditChainHead("other", 1, "x")) },
        { "GetChainHeadAsync", "userId", h => h.Audit.GetChainHeadAsync(null!) },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task PublicEntryPoint_InvalidArgument_ThrowsNamingTheParameter(string method, string parameter, Func<SyncHarness, Task> call)
    {
        await using var h = new SyncHarness();
        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => call(h));
        Assert.True(parameter == ex.ParamName, $"{method}: expected ParamName '{parameter}', got '{ex.ParamName}'");
    }

    [Fact]
    public void Stores_InvalidArguments_Throw()
    {
        var leads = new Storage.InMemory.InMemoryLeadMemoryStore();
        Assert.Equal("userId", Assert.Throws<ArgumentException>(() => leads.GetAsync("", "l")).ParamName);
        var states = new Storage.InMemory.InMemorySyncStateStore();
        Assert.Equal("duration", Assert.Throws<ArgumentOutOfRangeException>(() => states.TryAcquireLeaseAsync("r", "o", TimeSpan.Zero)).ParamName);
        var connections = new InMemoryCrmConnectionResolver();
        Assert.Equal("connection", Assert.Throws<ArgumentNullException>(() => connections.Add(null!)).ParamName);
    }
}
