using Aria.CrmSync.ReliabilityTests.Infrastructure;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.ReliabilityTests.Faults;

/// <summary>
/// A person decides an open conflict on the values it recorded; a CRM user may have changed the field since. The
/// resolution claims its write and checks the CRM like every other write, so the later CRM edit is never overwritten.
/// </summary>
public sealed class ConflictResolutionRaceTests
{
    public static TheoryData<CrmProvider> Providers => new() { CrmProvider.Salesforce, CrmProvider.HubSpot };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ResolveAriaWins_AfterACrmEditSinceTheConflictWasRecorded_DoesNotOverwriteTheEdit(CrmProvider provider)
    {
        await using var host = await EngineHost.StartAsync(sync: o => o.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.Manual);
        var (lead, crmId) = await RecordConflictAsync(host, provider);

        host.SetCrmAmount(provider, crmId, 950m); // a CRM user edits the field before the person decides
        var result = await host.Sync.ResolveConflictAsync(EngineHost.User, lead.Id, LeadFields.ExpectedValue, ConflictResolution.AriaWins);

        Assert.False(result.Success);
        Assert.Equal(CrmSyncConflictException.ErrorCode, result.ErrorCode);
        Assert.Equal(950m, host.CrmAmount(provider, crmId)); // the CRM edit stands
        var state = (await host.States.GetAsync(lead.Id))!;
        Assert.Equal(SyncStatus.Conflict, state.Status);
        var open = Assert.Single(state.OpenConflicts);
        Assert.Equal(("1100", "950"), (open.AriaValue, open.CrmValue)); // recorded again for a new decision
        Assert.DoesNotContain(state.PendingChanges, p => p.Unconfirmed);
        Assert.Contains(await host.AuditAsync(operation: CrmAuditOperation.ConflictDetected), e => e.Details.TryGetProperty("crm_changed_before_resolution", out _));

        // Decided again on what the CRM shows now, the lead's value is written.
        var decided = await host.Sync.ResolveConflictAsync(EngineHost.User, lead.Id, LeadFields.ExpectedValue, ConflictResolution.AriaWins);

        Assert.True(decided.Success, decided.Error);
        Assert.Equal(1100m, host.CrmAmount(provider, crmId));
        state = (await host.States.GetAsync(lead.Id))!;
        Assert.Equal((SyncStatus.Synced, "1100"), (state.Status, state.BaseSnapshot[LeadFields.ExpectedValue]));
        Assert.Empty(state.PendingChanges);
        Assert.True((await host.Audit.VerifyAsync(EngineHost.User)).IsValid);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ResolveAriaWins_TheCrmWasSetToTheLeadsValueMeanwhile_SettlesWithoutAWrite(CrmProvider provider)
    {
        await using var host = await EngineHost.StartAsync(sync: o => o.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.Manual);
        var (lead, crmId) = await RecordConflictAsync(host, provider);
        host.SetCrmAmount(provider, crmId, 1100m);
        var writesBefore = host.Emulator(provider).Calls.Total;

        var result = await host.Sync.ResolveConflictAsync(EngineHost.User, lead.Id, LeadFields.ExpectedValue, ConflictResolution.AriaWins);

        Assert.True(result.Success, result.Error);
        Assert.Empty(result.Pushed);
        Assert.Equal(1, host.Emulator(provider).Calls.Total - writesBefore); // the read only
        Assert.Equal(SyncStatus.Synced, (await host.States.GetAsync(lead.Id))!.Status);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ResolveAriaWins_NoCrmEdit_WritesTheLeadsValue(CrmProvider provider)
    {
        await using var host = await EngineHost.StartAsync(sync: o => o.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.Manual);
        var (lead, crmId) = await RecordConflictAsync(host, provider);

        var result = await host.Sync.ResolveConflictAsync(EngineHost.User, lead.Id, LeadFields.ExpectedValue, ConflictResolution.AriaWins);

        Assert.True(result.Success, result.Error);
        Assert.Equal("1100", result.Pushed[LeadFields.ExpectedValue]);
        Assert.Equal(1100m, host.CrmAmount(provider, crmId));
        Assert.Empty((await host.States.GetAsync(lead.Id))!.PendingChanges);
    }

    public static TheoryData<CrmProvider, string> Updates => new()
    {
        { CrmProvider.Salesforce, "collections.update" },
        { CrmProvider.HubSpot, "deals.batch.update" },
    };

    /// <summary>
    /// The resolution's write landed but its answer was lost: like a sync's write (one write protocol), the record is read
    /// back at once, shows the lead's value, and the conflict settles; nothing stays claimed and no error is recorded.
    /// </summary>
    [Theory]
    [MemberData(nameof(Updates))]
    public async Task ResolveAriaWins_ResponseLost_TheReadBackSettlesTheConflict(CrmProvider provider, string update)
    {
        await using var host = await EngineHost.StartAsync(sync: o => o.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.Manual);
        var (lead, crmId) = await RecordConflictAsync(host, provider);
        host.Emulator(provider).Faults.Add(new FaultRule { Kind = FaultKind.ResponseLost, Endpoint = update, RemainingCount = 4 }); // outlasts the retries

        var result = await host.Sync.ResolveConflictAsync(EngineHost.User, lead.Id, LeadFields.ExpectedValue, ConflictResolution.AriaWins);

        Assert.True(result.Success, result.Error);
        Assert.Equal("1100", result.Pushed[LeadFields.ExpectedValue]);
        Assert.Equal(1100m, host.CrmAmount(provider, crmId));
        var state = (await host.States.GetAsync(lead.Id))!;
        Assert.Equal((SyncStatus.Synced, "1100"), (state.Status, state.BaseSnapshot[LeadFields.ExpectedValue]));
        Assert.Empty(state.OpenConflicts);
        Assert.Empty(state.PendingChanges);
        Assert.Empty(await host.AuditAsync(operation: CrmAuditOperation.Error));
        var resolved = Assert.Single(await host.AuditAsync(operation: CrmAuditOperation.ConflictResolved), e => e.Details.GetProperty("manual").GetBoolean());
        Assert.Equal(("1100", "900"), (resolved.Details.GetProperty("aria_value").GetString(), resolved.Details.GetProperty("crm_value").GetString()));
        Assert.True((await host.Audit.VerifyAsync(EngineHost.User)).IsValid);
    }

    /// <summary>Both sides change the amount after a first sync: the manual rule records an open conflict (lead 1100, CRM 900).</summary>
    private static async Task<(LeadMemory Lead, string CrmId)> RecordConflictAsync(EngineHost host, CrmProvider provider)
    {
        var (lead, crmId) = await host.AddLeadAsync(provider, "lead-1", amount: 1000m);
        Assert.True((await host.Sync.TriggerManualSyncAsync(EngineHost.User, lead.Id)).Success);
        await host.EditLeadAsync(lead.Id, l => l with { ExpectedValue = 1100m });
        host.SetCrmAmount(provider, crmId, 900m);
        var synced = await host.Sync.TriggerManualSyncAsync(EngineHost.User, lead.Id);
        Assert.Equal(("1100", "900"), (Assert.Single(synced.Conflicts).AriaValue, synced.Conflicts[0].CrmValue));
        Assert.Equal(SyncStatus.Conflict, (await host.States.GetAsync(lead.Id))!.Status);
        return (lead, crmId);
    }
}
