namespace Aria.CrmSync;

/// <summary>
/// A compound position in a CRM's change stream: the last modification time read and, among records sharing that
/// time, the last id read. Reading resumes strictly after (<see cref="Timestamp"/>, <see cref="LastId"/>), so many
/// records with one timestamp are neither missed nor read twice.
/// </summary>
/// <param name="Timestamp">The modification time of the last record read.</param>
/// <param name="LastId">The id of the last record read at <paramref name="Timestamp"/>; <see langword="null"/> to start at the timestamp.</param>
public sealed record CrmCursor(DateTimeOffset Timestamp, string? LastId)
{
    /// <summary>Gets whether a record at (<paramref name="modifiedAt"/>, <paramref name="id"/>) lies after this cursor.</summary>
    /// <param name="modifiedAt">The record's modification time.</param>
    /// <param name="id">The record's id.</param>
    /// <returns><see langword="true"/> when the record was not yet read.</returns>
    public bool IsBefore(DateTimeOffset modifiedAt, string id)
        => modifiedAt > Timestamp || (modifiedAt == Timestamp && (LastId is null || string.CompareOrdinal(id, LastId) > 0));
}

/// <summary>A page of changed records read from a CRM, with the cursor to resume after it.</summary>
/// <param name="Records">The records, ordered by (modification time, id).</param>
/// <param name="Cursor">The position after the last record of this page (checkpoint it once the page is applied).</param>
/// <param name="DeletedIds">Ids of records deleted in the CRM, when the gateway reports deletions.</param>
public sealed record CrmChangePage(IReadOnlyList<CrmRecord> Records, CrmCursor? Cursor, IReadOnlyList<string> DeletedIds)
{
    /// <summary>
    /// Gets a value indicating whether the page comes from an eventually consistent index (HubSpot's CRM search, which
    /// sees writes late): a record may show older values than the CRM holds. The connection sync then merges from the
    /// page only the leads without changes of their own and reads the others by id before it writes anything for them,
    /// so that no write is planned, and no write outcome judged, on an old version of a record.
    /// </summary>
    public bool MayLag { get; init; }
}

/// <summary>A page of changed activities read from a CRM, with the cursor to resume after it.</summary>
/// <param name="Activities">The activities, ordered by (modification time, id), each naming its deal.</param>
/// <param name="Cursor">The position after the last activity of this page.</param>
public sealed record CrmActivityPage(IReadOnlyList<CrmActivity> Activities, CrmCursor? Cursor);
