using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Sync;

/// <content>
/// A connection run's contact phase (<see cref="ConnectionSyncOptions.IncludeContacts"/>): the deals' contacts pulled
/// into the linked leads' <see cref="LeadMemory.Stakeholders"/>, CRM → lead only, from the contact checkpoint.
/// </content>
internal sealed partial class ConnectionRun
{
    /// <summary>The cursor stream of the contact feed (beside <see cref="ConnectionSynchronizer.RecordStream"/> and <see cref="ConnectionSynchronizer.ActivityStream"/>).</summary>
    internal const string ContactStream = "contacts";

    private int _stakeholdersUpdated;

    /// <summary>The CRM ids of the records this run compared (kept only when contacts are pulled: their contacts are read again).</summary>
    private readonly CompactIdSet _comparedCrmIds = new();

    private void NoteCompared(string crmId)
    {
        if (options.IncludeContacts)
        {
            _comparedCrmIds.Add(crmId);
        }
    }

    /// <summary>
    /// Pulls the deals' contacts into the leads' stakeholders. Without a checkpoint it reads the contacts of every linked
    /// lead in batches and sets the checkpoint to the moment it started; with one it reads those of the leads this run
    /// compared (HubSpot lists an association added or removed on the deal's change feed, not the contact feed) and of
    /// the records the contact feed lists from one overlap before the checkpoint. A lead is written, and audited, only
    /// when its contacts changed.
    /// </summary>
    private async Task PullContactsAsync(CancellationToken cancellationToken)
    {
        if (!options.IncludeContacts || ContactReader() is not { } reader)
        {
            return;
        }

        Phase = ConnectionSyncPhase.Contacts;
        var checkpoint = await svc.States.GetCursorAsync(connection.ConnectionKey, ContactStream, cancellationToken).ConfigureAwait(false);
        if (checkpoint is null)
        {
            var started = svc.Env.Time.GetUtcNow(); // changes made while the leads are read are re-read by the next run
            await foreach (var chunk in LinkedLeadChunksAsync(options.BatchSize, cancellationToken).ConfigureAwait(false))
            {
                await RefreshContactsAsync(reader, chunk, cancellationToken).ConfigureAwait(false);
            }

            await svc.States.SaveCursorAsync(new SyncCursorRecord(connection.ConnectionKey, ContactStream, new CrmCursor(started, null), svc.Env.Time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (var compared in _comparedCrmIds.Chunk(options.BatchSize))
        {
            await RefreshContactsAsync(reader, await ContactLeadsAsync(compared, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }


        var since = new CrmCursor(checkpoint.Cursor.Timestamp - options.OverlapWindow, null);
        await foreach (var page in reader.GetContactChangesAsync(connection, since, cancellationToken).ReadOneAheadAsync(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await RefreshContactsAsync(reader, await ContactLeadsAsync(page.CrmIds, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            if (checkpoint.Cursor.IsBefore(page.Cursor.Timestamp, page.Cursor.LastId ?? string.Empty))
            {
                checkpoint = new SyncCursorRecord(connection.ConnectionKey, ContactStream, page.Cursor, svc.Env.Time.GetUtcNow());
                await svc.States.SaveCursorAsync(checkpoint, cancellationToken).ConfigureAwait(false);
            }

            await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
        }

        await AdvanceQuietCheckpointAsync(ContactStream, checkpoint.Cursor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The connection's linked leads the contact phase works on: all of them (<paramref name="crmIds"/>
    /// <see langword="null"/>) or those linked to <paramref name="crmIds"/> (records no lead is linked to are ignored).
    /// The one place the phase looks leads up; today from the run's map of linked leads, as the activity phase does.
    /// </summary>
    /// <summary>The linked leads of these CRM records (one batched lookup, no states: the phase writes only stakeholders).</summary>
    private async Task<IReadOnlyList<LeadMemory>> ContactLeadsAsync(IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken)
        => [.. (await FindLeadsAsync([.. crmIds.Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false)).Values];

    /// <summary>The gateway's contact reader (the engine wraps each gateway in an <see cref="InboundCrmGateway"/>), or <see langword="null"/> when it has none.</summary>
    private ICrmContactReader? ContactReader()
        => (gateway is InboundCrmGateway inbound ? inbound.Inner : gateway) is ICrmContactReader reader && (reader is not DelegatingCrmGateway delegating || delegating.Inner is ICrmContactReader)
            ? reader
            : null;

    /// <summary>Reads the contacts of <paramref name="leads"/> in batches and writes each lead whose stakeholders changed, with one audit entry each.</summary>
    private async Task RefreshContactsAsync(ICrmContactReader reader, IReadOnlyList<LeadMemory> leads, CancellationToken cancellationToken)
    {
        foreach (var chunk in leads.Chunk(options.BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var contacts = await reader.GetContactsAsync(connection, [.. chunk.Select(l => l.CrmId!).Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
            var drafts = new List<CrmAuditEntry>();
            foreach (var lead in chunk)
            {
                if (contacts.TryGetValue(lead.CrmId!, out var pulled)
                    && await ApplyContactsAsync(lead, pulled, cancellationToken).ConfigureAwait(false) is { } draft)
                {
                    drafts.Add(draft);
                }
            }

            if (drafts.Count > 0)
            {
                await svc.Audit.LogManyAsync(drafts, cancellationToken).ConfigureAwait(false);
            }

            await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(Progress(ConnectionSyncPhase.Contacts));
        }
    }

    /// <summary>
    /// Replaces the lead's stakeholders with <paramref name="pulled"/> when they differ, re-reading the lead after a
    /// concurrent write; returns the audit draft of the change, or <see langword="null"/> when nothing was written (the
    /// same contacts, or the lead was deleted or linked elsewhere meanwhile).
    /// </summary>
    private async Task<CrmAuditEntry?> ApplyContactsAsync(LeadMemory lead, IReadOnlyList<CrmContact> pulled, CancellationToken cancellationToken)
    {
        var (contacts, problem) = StakeholderPull.Storable(pulled);
        if (problem is not null)
        {
            return NotStored(lead, problem);
        }

        var current = lead;
        for (var attempt = 1; attempt <= svc.Env.Options.ConcurrencyAttempts; attempt++)
        {
            if (StakeholderPull.Same(current.Stakeholders, contacts))
            {
                return null;
            }

            try
            {
                await svc.Leads.UpdateAsync(current with { Stakeholders = contacts, UpdatedAt = svc.Env.Time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
                _stakeholdersUpdated++;
                return Draft(current, CrmAuditOperation.Pull, StakeholderPull.Details(current.CrmId!, current.Stakeholders, contacts), null);
            }
            catch (CrmSyncNotFoundException)
            {
                return null; // deleted meanwhile
            }
            catch (CrmSyncValidationException ex)
            {
                return NotStored(lead, ex.Message); // beyond what the store accepts (a 16 MiB column): this lead only
            }
            catch (CrmSyncConcurrencyException)
            {
                var reread = await svc.Leads.GetAsync(lead.UserId, lead.Id, cancellationToken).ConfigureAwait(false);
                if (reread is null || reread.CrmProvider != Provider || reread.CrmId != lead.CrmId)
                {
                    return null; // deleted or linked elsewhere meanwhile: these contacts are not its own
                }

                current = reread;
            }
        }

        return null; // written by others on every attempt: the next run reads the contacts again
    }

    /// <summary>The <c>error</c> entry of a lead whose contacts no store can hold; the lead is left as it is and the run goes on.</summary>
    private CrmAuditEntry NotStored(LeadMemory lead, string problem)
    {
        var error = new CrmSyncDataException($"The CRM record's contacts cannot be stored: {problem}", $"{Serialization.WireValue.Format(Provider)} record {InboundCrmGateway.Shorten(lead.CrmId)}", Provider);
        Log.ContactsNotStored(svc.Env.Logger, Provider, InboundCrmGateway.Shorten(lead.CrmId));
        return Draft(lead, CrmAuditOperation.Error, new Dictionary<string, object?> { ["operation"] = StakeholderPull.Operation, ["code"] = error.Code, ["crm_id"] = lead.CrmId, ["quarantined"] = true }, error.Message);
    }

    private CrmAuditEntry Draft(LeadMemory lead, CrmAuditOperation operation, IReadOnlyDictionary<string, object?> details, string? error) => new()
    {
        Id = string.Empty, // assigned by the trail, as are the time and the chain fields
        UserId = lead.UserId,
        LeadMemoryId = lead.Id,
        Operation = operation,
        Provider = Provider,
        Success = error is null,
        Details = Auditing.AuditDetails.From(details),
        ErrorMessage = error,
        CreatedAt = default,
    };
}
