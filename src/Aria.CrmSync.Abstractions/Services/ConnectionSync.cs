namespace Aria.CrmSync;

/// <summary>Options of a whole-connection sync (<see cref="ICrmSyncService.SyncConnectionAsync"/>).</summary>
public sealed record ConnectionSyncOptions
{
    /// <summary>
    /// Gets how far before the checkpoint the change stream is re-read, to catch records committed late or shown late.
    /// It must exceed the longest delay between a record's modification time and the moment the change stream can see
    /// it: HubSpot's change stream is CRM search, whose index lags writes ("it may take a few moments" for new or updated
    /// records to appear — https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm; seconds in
    /// practice, 1–3 s in the emulator's sample and soak settings), and a Salesforce transaction's <c>SystemModstamp</c>
    /// can precede its commit. HubSpot documents no upper bound, so the default keeps a wide margin (40 times the 3 s
    /// modelled); a run also moves a quiet checkpoint only up to now minus this window.
    /// </summary>
    /// <value>The default value is 2 minutes.</value>
    public TimeSpan OverlapWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets a value indicating whether every linked lead is compared with its CRM record (read in batches), not only
    /// those the change stream or the lead side report: a reconciliation pass that repairs drift a cursor can miss.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool FullReconciliation { get; init; }

    /// <summary>Gets a value indicating whether lead-side changes and queued notes are written to the CRM.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool PushLocalChanges { get; init; } = true;

    /// <summary>Gets a value indicating whether activities changed since the activity checkpoint are pulled.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool IncludeActivities { get; init; } = true;

    /// <summary>
    /// Gets a value indicating whether the deals' contacts are pulled into the linked leads'
    /// <see cref="LeadMemory.Stakeholders"/> (CRM → lead only), from the contact checkpoint: the first run reads the
    /// contacts of every linked lead in batches (<see cref="ICrmContactReader.GetContactsAsync"/>), later runs those of the
    /// records the contact feed (<see cref="ICrmContactReader.GetContactChangesAsync"/>) lists and of the leads this run
    /// compared with their records (HubSpot shows an association added or removed on the deal's own change feed). A lead
    /// whose contacts changed is written once with an audited <see cref="CrmAuditOperation.Pull"/>; the same contacts
    /// write nothing. Needs a gateway that implements <see cref="ICrmContactReader"/> (the phase is skipped otherwise).
    /// </summary>
    /// <value>
    /// The default value is <see langword="false"/>: the phase costs API calls on every run (the feed, then a batched read
    /// per page; on the first run a read of every linked deal's contacts) and brings personal data (names, email
    /// addresses) into the lead store, which a host should choose to do.
    /// </value>
    public bool IncludeContacts { get; init; }

    /// <summary>
    /// Gets a value indicating whether, on a change feed whose pages may lag (HubSpot's search: its hits are read by id
    /// anyway, and its searches have their own rate budget), the records of the leads changed on ARIA's side are read by
    /// id while the searches wait, and merged when the lead-side phase starts. A record read early is merged only if its lead's
    /// sync state did not move since (otherwise the lead is read again); leads with an unconfirmed write of their own
    /// are always read after the change stream. The single queued note of a lead the run compares no more is then also
    /// sent beside the lead-side phase, in full write calls. Turn it off for a strictly sequential order of calls; it can
    /// cost a few reads (a lead read early and then reported by the change stream is read twice).
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ReadLocalChangesEarly { get; init; } = true;

    /// <summary>
    /// Gets how many leads are read from the CRM and written per batch in the lead-side phase (each batch is one
    /// checkpoint), how many queued notes' leads are claimed and sent at a time, and how many CRM writes of a change page
    /// go out together; gateways split a batch further by their own request limits. A batch in flight holds about 7 KB a
    /// lead (its lead, record, sync states, merge and audit entries), so this is what bounds a connection run's memory.
    /// </summary>
    /// <value>
    /// The default value is 1,000: a connection run then holds about 10 MB at its peak whatever the connection's size
    /// (docs/benchmarks.md). 2,000, the largest read Salesforce serves in one call, saves one Salesforce read and one
    /// pre-write read per 2,000 leads with ARIA-side changes, and one note call per 2,000 notes, for about 5 MB more.
    /// </value>
    public int BatchSize { get; init; } = 1000;

    /// <summary>Gets the id of this worker in the connection lease; defaults to a per-process id.</summary>
    public string? WorkerId { get; init; }

    /// <summary>Gets how long the connection lease lasts between renewals (each page renews it).</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Throws when the options are not usable.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(OverlapWindow, TimeSpan.Zero, nameof(OverlapWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BatchSize, 10_000, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LeaseDuration, TimeSpan.Zero, nameof(LeaseDuration));
    }
}

/// <summary>The phase a connection sync is in.</summary>
public enum ConnectionSyncPhase
{
    /// <summary>Applying records the CRM changed since the checkpoint.</summary>
    CrmChanges,

    /// <summary>Writing lead-side changes and retrying failed leads.</summary>
    LeadChanges,

    /// <summary>Sending queued notes.</summary>
    Notes,

    /// <summary>Pulling changed activities.</summary>
    Activities,

    /// <summary>Pulling the deals' contacts into the leads' stakeholders (<see cref="ConnectionSyncOptions.IncludeContacts"/>).</summary>
    Contacts,

    /// <summary>Finished.</summary>
    Done,
}

/// <summary>Progress of a connection sync, reported after each page or batch.</summary>
/// <param name="Phase">The phase.</param>
/// <param name="RecordsProcessed">Leads compared so far.</param>
/// <param name="LeadsUpdated">Leads whose fields changed so far.</param>
/// <param name="CrmRecordsUpdated">CRM records written so far.</param>
/// <param name="Failures">Per-lead failures so far.</param>
public sealed record ConnectionSyncProgress(ConnectionSyncPhase Phase, int RecordsProcessed, int LeadsUpdated, int CrmRecordsUpdated, int Failures);

/// <summary>The outcome of a connection sync. Per-lead failures are values in <see cref="Failures"/>; they never stop the rest.</summary>
public sealed record ConnectionSyncResult
{
    /// <summary>Gets the user.</summary>
    public required string UserId { get; init; }

    /// <summary>Gets the CRM.</summary>
    public required CrmProvider Provider { get; init; }

    /// <summary>Gets whether every phase ran to the end.</summary>
    public required bool Completed { get; init; }

    /// <summary>Gets why the run did not complete (another worker holds the connection, quota paused, connection failed).</summary>
    public string? Reason { get; init; }

    /// <summary>Gets when the connection may be synced again, when it was paused by a quota.</summary>
    public DateTimeOffset? PausedUntil { get; init; }

    /// <summary>Gets whether the run stopped because the user must authorise the CRM again (refresh token revoked or expired).</summary>
    public bool RequiresReauthorization { get; init; }

    /// <summary>Gets how many CRM records were read.</summary>
    public int RecordsRead { get; init; }

    /// <summary>Gets how many linked leads were compared with their records.</summary>
    public int LeadsCompared { get; init; }

    /// <summary>Gets how many leads took CRM changes.</summary>
    public int LeadsUpdated { get; init; }

    /// <summary>Gets how many CRM records took lead changes.</summary>
    public int CrmRecordsUpdated { get; init; }

    /// <summary>Gets how many conflicts a rule resolved.</summary>
    public int ConflictsResolved { get; init; }

    /// <summary>Gets how many conflicts wait for a person.</summary>
    public int ConflictsOpen { get; init; }

    /// <summary>Gets how many notes were delivered.</summary>
    public int NotesPushed { get; init; }

    /// <summary>Gets how many new lead events came from activities.</summary>
    public int ActivitiesAdded { get; init; }

    /// <summary>Gets how many leads' stakeholders changed (<see cref="ConnectionSyncOptions.IncludeContacts"/>).</summary>
    public int StakeholdersUpdated { get; init; }

    /// <summary>Gets the per-lead failures (the lead went to <c>error</c>, with a retry scheduled while retries remain).</summary>
    public IReadOnlyList<SyncResult> Failures { get; init; } = [];

    /// <summary>Gets the change-stream checkpoint after the run.</summary>
    public CrmCursor? Cursor { get; init; }

    /// <summary>Gets how long the run took.</summary>
    public TimeSpan Duration { get; init; }
}
