namespace Aria.CrmSync.Tests.Models;

/// <summary>Seed plan: test_crm_sync_exceptions.py.</summary>
public class ExceptionTests
{
    [Fact]
    public void CrmSyncException_Defaults_MatchSeed()
    {
        var error = new CrmSyncException("Sync failed");
        Assert.Contains("CRM sync error", error.Message);
        Assert.Equal("CRM sync error: Sync failed", error.Message);
        Assert.Equal("CRM_SYNC_ERROR", error.Code);
        Assert.Equal(500, error.StatusCode);
        Assert.Empty(error.Details);
        Assert.Equal("CRM sync error: Unknown error", new CrmSyncException().Message);
    }

    [Fact]
    public void CrmSyncException_WithProvider_PutsProviderInDetails()
    {
        var error = new CrmSyncException("API rate limit exceeded", CrmProvider.Salesforce);
        Assert.Equal("salesforce", error.Details["provider"]);
        Assert.Equal(CrmProvider.Salesforce, error.Provider);
    }

    [Fact]
    public void WithWriteOutcome_ThrownException_CopyKeepsTypeMessageAndTrace_OriginalUnchanged()
    {
        CrmRateLimitedException thrown;
        try
        {
            throw new CrmRateLimitedException(CrmProvider.HubSpot, TimeSpan.FromSeconds(3), CrmRateLimitScope.Daily);
        }
        catch (CrmRateLimitedException ex)
        {
            thrown = ex;
        }

        var copy = Assert.IsType<CrmRateLimitedException>(thrown.WithWriteOutcome(CrmWriteOutcome.NothingWritten));

        Assert.Equal(CrmWriteOutcome.NothingWritten, copy.WriteOutcome);
        Assert.Equal(CrmWriteOutcome.Unknown, thrown.WriteOutcome);
        Assert.Equal((thrown.Message, thrown.Code, thrown.StatusCode, thrown.RetryAfter, thrown.Scope), (copy.Message, copy.Code, copy.StatusCode, copy.RetryAfter, copy.Scope));
        Assert.Equal(thrown.StackTrace, copy.StackTrace);
        Assert.Equal(thrown.Details, copy.Details);
    }

    [Fact]
    public void CrmRequestException_ReportsHttpStatusAndProviderCode_InPropertiesAndDetails()
    {
        var error = new CrmRequestException(CrmProvider.HubSpot, "deals.batch.update", 409, "CONFLICT", "conflict", new Dictionary<string, object?> { ["http_status"] = 1, ["correlation_id"] = "c-1" });

        Assert.Equal((409, 409, "CONFLICT", "deals.batch.update"), (error.StatusCode, error.HttpStatus, error.ProviderErrorCode, error.Endpoint));
        Assert.Equal("CRM sync error: conflict", error.Message);
        Assert.Equal(CrmSyncException.DefaultCode, error.Code);
        Assert.Equal(409, error.Details["http_status"]); // the standard keys win
        Assert.Equal("CONFLICT", error.Details["error_code"]);
        Assert.Equal("c-1", error.Details["correlation_id"]);
        Assert.Equal("hubspot", error.Details["provider"]);
        Assert.Equal(500, new CrmRequestException(CrmProvider.Salesforce, "x", 302, null, "m").StatusCode); // not an error status
        Assert.Equal("endpoint", Assert.Throws<ArgumentException>(() => new CrmRequestException(CrmProvider.Salesforce, string.Empty, 400, null, "m")).ParamName);
    }

    [Fact]
    public void CrmWriteResult_Outcome_DefaultsFromSuccess_AndCanBeUnknown()
    {
        Assert.Equal(CrmWriteOutcome.Written, new CrmWriteResult { CrmId = "1", Success = true }.Outcome);
        Assert.Equal(CrmWriteOutcome.NothingWritten, new CrmWriteResult { CrmId = "1", Success = false }.Outcome);
        Assert.Equal(CrmWriteOutcome.Unknown, new CrmWriteResult { CrmId = "1", Success = false, Outcome = CrmWriteOutcome.Unknown }.Outcome);
    }

    [Fact]
    public void CrmConnectionException_Defaults_MatchSeed()
    {
        var error = new CrmConnectionException(CrmProvider.Salesforce);
        Assert.Contains("salesforce", error.Message);
        Assert.Equal("Failed to connect to salesforce", error.Message);
        Assert.Equal("CRM_CONNECTION_ERROR", error.Code);
        Assert.Equal(502, error.StatusCode);
        Assert.Equal("salesforce", error.Details["provider"]);
        Assert.False(error.RequiresReauthorization);
        Assert.IsAssignableFrom<CrmSyncException>(error);
    }

    [Fact]
    public void CrmSyncConflictException_WithFields_MatchesSeed()
    {
        var error = new CrmSyncConflictException("lead-123", ["stage", "expected_value"]);
        Assert.Equal("CRM_SYNC_CONFLICT", error.Code);
        Assert.Equal(409, error.StatusCode);
        Assert.Contains("lead-123", (string)error.Details["lead_id"]!);
        Assert.Contains("stage", (string[])error.Details["conflicting_fields"]!);
        Assert.Equal("Sync conflict detected for lead 'lead-123' on fields: stage, expected_value", error.Message);
    }

    [Fact]
    public void CrmSyncNotFoundException_NamesTheLead()
    {
        var error = new CrmSyncNotFoundException("lead-123");
        Assert.Contains("lead-123", error.Message);
        Assert.Equal("NOT_FOUND", error.Code);
        Assert.Equal(404, error.StatusCode);
    }

    [Fact]
    public void CrmRateLimitedException_CarriesRetryAfter()
    {
        var error = new CrmRateLimitedException(CrmProvider.HubSpot, TimeSpan.FromSeconds(10), CrmRateLimitScope.Burst);
        Assert.Equal(TimeSpan.FromSeconds(10), error.RetryAfter);
        Assert.Equal(429, error.StatusCode);
        Assert.Equal("CRM_RATE_LIMITED", error.Code);
        Assert.Equal(10.0, error.Details["retry_after_seconds"]);
        Assert.Contains("hubspot", error.Message);
    }

    [Fact]
    public void CrmSyncConcurrencyException_NamesVersions()
    {
        var error = new CrmSyncConcurrencyException("CRM sync state", "lead-1", 3, 4);
        Assert.Equal(409, error.StatusCode);
        Assert.Contains("expected version 3, found 4", error.Message);
    }

    [Fact]
    public void CrmSyncStateTransitionException_NamesStatuses()
    {
        var error = new CrmSyncStateTransitionException("lead-1", SyncStatus.Synced, SyncStatus.Conflict);
        Assert.Contains("from synced to conflict", error.Message);
        Assert.Equal("CRM_SYNC_INVALID_TRANSITION", error.Code);
    }
}
