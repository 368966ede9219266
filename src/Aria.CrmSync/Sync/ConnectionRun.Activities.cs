namespace Aria.CrmSync.Sync;

/// <content>A connection run's activity phase: the CRM's activity change stream mapped to lead events.</content>
internal sealed partial class ConnectionRun
{
    /// <summary>Pulls the CRM's new activities into the linked leads' events; runs concurrently with the pushes.</summary>
    /// <param name="cancellationToken">The token to monitor.</param>
    /// <remarks>
    /// Each page's leads are looked up by CRM id (<see cref="FindLeadsAsync"/>); it touches no sync state, so it runs
    /// beside the pushes. The pull reads up to the run's start: once a page reaches past it the pull stops, and what
    /// was modified since (the notes this run writes, whose echoes the pull would only skip, and any activity logged
    /// meanwhile) is read by the next run from the checkpoint, which then stays at that page.
    /// </remarks>
    private async Task PullActivityChangesAsync(CancellationToken cancellationToken)
    {
        var checkpoint = await svc.States.GetCursorAsync(connection.ConnectionKey, ConnectionSynchronizer.ActivityStream, cancellationToken).ConfigureAwait(false);
        var since = checkpoint is null ? null : new CrmCursor(checkpoint.Cursor.Timestamp - options.OverlapWindow, null);
        await foreach (var page in gateway.GetActivityChangesAsync(connection, since, cancellationToken).ReadOneAheadAsync(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var leadsByCrmId = await FindLeadsAsync([.. page.Activities.Select(a => a.CrmRecordId).OfType<string>().Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
            var now = svc.Env.Time.GetUtcNow();
            var events = new List<LeadEvent>();
            var quarantined = new List<(LeadMemory Lead, CrmActivity Activity, string Problem)>();
            foreach (var activity in page.Activities)
            {
                if (activity.CrmRecordId is { } crmId && leadsByCrmId.TryGetValue(crmId, out var lead) && !ActivityPuller.IsAriaNote(activity))
                {
                    if (CrmValueRules.ActivityProblem(activity) is { } problem)
                    {
                        quarantined.Add((lead, activity, problem));
                        continue;
                    }

                    events.Add(ActivityPuller.ToLeadEvent(lead, Provider, activity, now));
                }
            }

            await svc.Activities.AuditQuarantinedActivitiesAsync(Provider, quarantined, cancellationToken).ConfigureAwait(false);

            if (events.Count > 0)
            {
                var added = await svc.Leads.AddEventsAsync(events, cancellationToken).ConfigureAwait(false);
                _activitiesAdded += added;
                if (added > 0)
                {
                    await svc.Audit.LogSyncOperationAsync(connection.UserId, null, CrmAuditOperation.Pull, Provider, true, new Dictionary<string, object?>
                    {
                        ["operation"] = "pull_activities",
                        ["activities_count"] = page.Activities.Count,
                        ["activities_new"] = added,
                        ["leads"] = events.Select(e => e.LeadMemoryId).Distinct(StringComparer.Ordinal).Count(),
                    }, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }

            if (page.Cursor is { } next && (checkpoint is null || checkpoint.Cursor.IsBefore(next.Timestamp, next.LastId ?? string.Empty)))
            {
                checkpoint = new SyncCursorRecord(connection.ConnectionKey, ConnectionSynchronizer.ActivityStream, next, now);
                await svc.States.SaveCursorAsync(checkpoint, cancellationToken).ConfigureAwait(false);
            }

            await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(Progress(ConnectionSyncPhase.Activities));
            if (page.Cursor is { } reached && reached.Timestamp >= _startedAt)
            {
                return; // the rest was modified during this run: the next run reads it
            }
        }

        await AdvanceQuietCheckpointAsync(ConnectionSynchronizer.ActivityStream, checkpoint?.Cursor, cancellationToken).ConfigureAwait(false);
    }
}
