namespace Aria.CrmSync.Sample;

/// <summary>Creates ARIA lead memories for CRM deals that have none yet (what ARIA does when a user connects a CRM).</summary>
internal static class LeadLinker
{
    public static async Task<int> LinkEmulatedAsync(ILeadMemoryStore leads, string userId, CrmEmulators crms, TimeProvider time, CancellationToken cancellationToken)
    {
        var linked = 0;
        foreach (var opportunity in crms.Salesforce.Org.List("Opportunity"))
        {
            linked += await LinkAsync(leads, userId, CrmProvider.Salesforce, (string)opportunity["Id"]!, (string)opportunity["Name"]!, time, cancellationToken);
        }

        foreach (var deal in crms.HubSpot.ListObjects("deals"))
        {
            linked += await LinkAsync(leads, userId, CrmProvider.HubSpot, deal.Id, deal["dealname"] ?? "Deal " + deal.Id, time, cancellationToken);
        }

        return linked;
    }

    /// <summary>Links the most recently changed deals of a real CRM (read through the gateway; nothing is written to the CRM).</summary>
    public static async Task<int> LinkRealAsync(ILeadMemoryStore leads, string userId, ICrmGateway gateway, CrmConnection connection, int max, TimeProvider time, CancellationToken cancellationToken)
    {
        var records = new List<CrmRecord>();
        await foreach (var page in gateway.GetChangesAsync(connection, new CrmCursor(time.GetUtcNow().AddDays(-90), null), cancellationToken))
        {
            records.AddRange(page.Records);
        }

        var linked = 0;
        foreach (var record in records.OrderByDescending(r => r.LastModifiedAt).Take(max))
        {
            linked += await LinkAsync(leads, userId, gateway.Provider, record.CrmId, record.Name, time, cancellationToken);
        }

        return linked;
    }

    private static async Task<int> LinkAsync(ILeadMemoryStore leads, string userId, CrmProvider provider, string crmId, string name, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await leads.FindByCrmIdAsync(userId, provider, crmId, cancellationToken) is not null)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        await leads.InsertAsync(new LeadMemory
        {
            Id = $"lead-{(provider == CrmProvider.Salesforce ? "sf" : "hs")}-{crmId}",
            UserId = userId,
            CompanyName = name.Split(" — ")[0],
            CrmProvider = provider,
            CrmId = crmId,
            LifecycleStage = LifecycleStages.Lead,
            Status = LeadStatuses.Active,
            FirstTouchAt = now,
            CreatedAt = now,
            UpdatedAt = now,
        }, cancellationToken);
        return 1;
    }
}
