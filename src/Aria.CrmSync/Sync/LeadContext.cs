namespace Aria.CrmSync.Sync;

/// <summary>A loaded lead: the lead, its sync state, its connection and gateway (see <see cref="LeadLoader"/>).</summary>
internal sealed record LeadContext(LeadMemory Lead, CrmSyncState State, CrmConnection Connection, ICrmGateway Gateway, CrmProvider Provider, string CrmId);

/// <summary>A loaded lead, or the failure of loading it.</summary>
internal sealed record LoadResult(LeadContext? Context, SyncResult? Failure);
