using Aria.CrmSync.Serialization;
using Aria.CrmSync.Sync;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Linking;

/// <summary>Links lead memories to CRM records (see <see cref="ICrmLinkService"/>).</summary>
internal sealed class CrmLinkService : ICrmLinkService
{
    private readonly ILeadMemoryStore _leads;
    private readonly ISyncStateStore _states;
    private readonly ICrmConnectionResolver _connections;
    private readonly Dictionary<CrmProvider, ICrmGateway> _gateways = [];
    private readonly ICrmAuditService _audit;
    private readonly CrmSyncOptions _options;
    private readonly TimeProvider _time;
    private readonly CrmProviderCatalog _providers;

    public CrmLinkService(
        ILeadMemoryStore leads,
        ISyncStateStore states,
        ICrmConnectionResolver connections,
        IEnumerable<ICrmGateway> gateways,
        ICrmAuditService audit,
        IOptions<CrmSyncOptions> options,
        TimeProvider time,
        CrmProviderCatalog providers)
    {
        _providers = providers;
        _leads = leads;
        _states = states;
        _connections = connections;
        foreach (var gateway in gateways)
        {
            _gateways[gateway.Provider] = gateway;
        }

        _audit = audit;
        _options = options.Value;
        _time = time;
    }

    public async Task<LeadMemory> LinkLeadAsync(string userId, string leadMemoryId, CrmProvider provider, string crmId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(leadMemoryId);
        ArgumentException.ThrowIfNullOrWhiteSpace(crmId);
        var lead = await RequireLeadAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false);
        if (lead.CrmProvider == provider && lead.CrmId == crmId)
        {
            return lead; // already linked to this record: nothing to do
        }

        if (lead.IsLinked)
        {
            throw new CrmLinkConflictException(leadMemoryId, provider, crmId, linkedLeadId: null, linkedCrmId: lead.CrmId);
        }

        await RequireRecordFreeAsync(userId, leadMemoryId, provider, crmId, cancellationToken).ConfigureAwait(false);
        var gateway = RequireGateway(provider);
        var connection = await _connections.ResolveAsync(userId, provider, cancellationToken).ConfigureAwait(false);
        var record = await gateway.GetRecordAsync(connection, crmId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmSyncNotFoundException($"{WireValue.Format(provider)} record", crmId);

        var linked = await LinkAsync(lead, provider, record.CrmId, cancellationToken).ConfigureAwait(false);
        await _audit.LogSyncOperationAsync(userId, leadMemoryId, CrmAuditOperation.Pull, provider, true, new Dictionary<string, object?>
        {
            ["operation"] = "link",
            ["crm_id"] = record.CrmId,
            ["crm_name"] = record.Name,
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return linked;
    }

    public async Task<LeadMemory> UnlinkLeadAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(leadMemoryId);
        var lead = await RequireLeadAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false);
        if (lead.CrmProvider is not { } provider || string.IsNullOrEmpty(lead.CrmId))
        {
            return lead;
        }

        var crmId = lead.CrmId;
        var unlinked = await _leads.UpdateAsync(lead with { CrmProvider = null, CrmId = null, UpdatedAt = _time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
        await ForgetBaseAsync(leadMemoryId, null, null, cancellationToken).ConfigureAwait(false);
        await _audit.LogSyncOperationAsync(userId, leadMemoryId, CrmAuditOperation.Pull, provider, true, new Dictionary<string, object?>
        {
            ["operation"] = "unlink",
            ["crm_id"] = crmId,
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return unlinked;
    }

    public async Task<IReadOnlyList<LeadMemory>> ImportCrmRecordsAsync(string userId, CrmProvider provider, CrmImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        options ??= new CrmImportOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRecords, 1, nameof(options));
        var gateway = RequireGateway(provider);
        var prefix = options.LeadIdPrefix ?? _providers.Get(provider).LeadIdPrefix;
        var connection = await _connections.ResolveAsync(userId, provider, cancellationToken).ConfigureAwait(false);

        var records = new Dictionary<string, CrmRecord>(StringComparer.Ordinal);
        var since = options.ModifiedSince is { } from ? new CrmCursor(from, null) : null;
        await foreach (var page in gateway.GetChangesAsync(connection, since, cancellationToken).ConfigureAwait(false))
        {
            foreach (var record in page.Records)
            {
                if (record.IsDeleted)
                {
                    records.Remove(record.CrmId);
                }
                else
                {
                    records[record.CrmId] = record;
                }
            }

            foreach (var id in page.DeletedIds)
            {
                records.Remove(id);
            }
        }

        var map = _options.StageMapFor(provider);
        var now = _time.GetUtcNow();
        var created = new List<LeadMemory>();
        foreach (var record in records.Values.OrderByDescending(r => r.LastModifiedAt).ThenBy(r => r.CrmId, StringComparer.Ordinal))
        {
            if (created.Count >= options.MaxRecords)
            {
                break;
            }

            if (await _leads.FindByCrmIdAsync(userId, provider, record.CrmId, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            var id = prefix + record.CrmId;
            if (await _leads.GetAsync(userId, id, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue; // a lead with that id exists (unlinked on purpose): leave it alone
            }

            var values = LeadFieldMapper.FromCrm(record, map, out _);
            var lead = LeadFieldMapper.Apply(
                new LeadMemory
                {
                    Id = id,
                    UserId = userId,
                    CompanyName = string.IsNullOrWhiteSpace(record.Name) ? record.CrmId : record.Name,
                    CrmProvider = provider,
                    CrmId = record.CrmId,
                    FirstTouchAt = now,
                    CreatedAt = now,
                    UpdatedAt = now,
                },
                values,
                now);
            created.Add(await _leads.InsertAsync(lead, cancellationToken).ConfigureAwait(false));
        }

        if (created.Count > 0)
        {
            await _audit.LogManyAsync(
                [.. created.Select(lead => Draft(userId, lead.Id, CrmAuditOperation.Pull, provider, new Dictionary<string, object?>
                {
                    ["operation"] = "import",
                    ["crm_id"] = lead.CrmId,
                    ["crm_name"] = lead.CompanyName,
                }))],
                cancellationToken).ConfigureAwait(false);
        }

        return created;
    }

    public async Task<LeadMemory> CreateCrmRecordAsync(string userId, string leadMemoryId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(leadMemoryId);
        var lead = await RequireLeadAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false);
        if (lead.IsLinked)
        {
            throw new CrmLinkConflictException(leadMemoryId, lead.CrmProvider!.Value, lead.CrmId!, linkedLeadId: null, linkedCrmId: lead.CrmId);
        }

        var gateway = RequireGateway(provider);
        if (gateway is not ICrmRecordCreator creator)
        {
            throw new NotSupportedException($"The {WireValue.Format(provider)} gateway ({gateway.GetType().Name}) cannot create records: it does not implement ICrmRecordCreator.");
        }

        var map = _options.StageMapFor(provider);
        var leadValues = LeadFieldMapper.FromLead(lead);
        var blank = new CrmRecord { CrmId = string.Empty, Provider = provider, Name = lead.CompanyName };
        var fields = LeadFieldMapper.ToCrmFields(leadValues, leadValues.Keys, blank, map);
        fields[CrmFields.Name] = lead.CompanyName;
        fields.Remove(CrmFields.Amount);
        fields.Remove(CrmFields.CloseDate);
        if (lead.ExpectedValue is not null)
        {
            fields[CrmFields.Amount] = leadValues[LeadFields.ExpectedValue];
        }

        if (lead.ExpectedCloseDate is not null)
        {
            fields[CrmFields.CloseDate] = leadValues[LeadFields.ExpectedCloseDate];
        }

        var connection = await _connections.ResolveAsync(userId, provider, cancellationToken).ConfigureAwait(false);
        var record = await creator.CreateRecordAsync(connection, fields, cancellationToken).ConfigureAwait(false);
        var linked = await LinkAsync(lead, provider, record.CrmId, cancellationToken).ConfigureAwait(false);
        await _audit.LogSyncOperationAsync(userId, leadMemoryId, CrmAuditOperation.Push, provider, true, new Dictionary<string, object?>
        {
            ["operation"] = "create",
            ["crm_id"] = record.CrmId,
            ["fields_pushed"] = fields.Keys.Order(StringComparer.Ordinal).ToArray(),
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return linked;
    }

    private async Task<LeadMemory> RequireLeadAsync(string userId, string leadMemoryId, CancellationToken cancellationToken)
        => await _leads.GetAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmSyncNotFoundException(leadMemoryId);

    private async Task RequireRecordFreeAsync(string userId, string leadMemoryId, CrmProvider provider, string crmId, CancellationToken cancellationToken)
    {
        var other = await _leads.FindByCrmIdAsync(userId, provider, crmId, cancellationToken).ConfigureAwait(false);
        if (other is not null && other.Id != leadMemoryId)
        {
            throw new CrmLinkConflictException(leadMemoryId, provider, crmId, other.Id);
        }
    }

    private ICrmGateway RequireGateway(CrmProvider provider)
        => _gateways.TryGetValue(provider, out var gateway)
            ? gateway
            : throw new CrmSyncValidationException($"No gateway is registered for {WireValue.Format(provider)}: call AddSalesforce(...) or AddHubSpot(...).", "provider", provider);

    private async Task<LeadMemory> LinkAsync(LeadMemory lead, CrmProvider provider, string crmId, CancellationToken cancellationToken)
    {
        var linked = await _leads.UpdateAsync(lead with { CrmProvider = provider, CrmId = crmId, UpdatedAt = _time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
        await ForgetBaseAsync(lead.Id, provider, crmId, cancellationToken).ConfigureAwait(false);
        return linked;
    }

    /// <summary>A sync state left by an earlier link holds the base of another record: the next sync starts afresh.</summary>
    private async Task ForgetBaseAsync(string leadMemoryId, CrmProvider? provider, string? crmId, CancellationToken cancellationToken)
    {
        var state = await _states.GetAsync(leadMemoryId, cancellationToken).ConfigureAwait(false);
        if (state is null || (state.CrmId == crmId && state.Provider == provider))
        {
            return;
        }

        await _states.UpdateAsync(state with
        {
            Provider = provider,
            CrmId = crmId,
            BaseSnapshot = new Dictionary<string, string?>(),
            UpdatedAt = _time.GetUtcNow(),
        }, cancellationToken).ConfigureAwait(false);
    }

    private CrmAuditEntry Draft(string userId, string leadMemoryId, CrmAuditOperation operation, CrmProvider provider, Dictionary<string, object?> details)
        => new()
        {
            Id = string.Empty,
            UserId = userId,
            LeadMemoryId = leadMemoryId,
            Operation = operation,
            Provider = provider,
            Success = true,
            Details = Auditing.AuditDetails.From(details),
            CreatedAt = _time.GetUtcNow(),
        };
}
