namespace Aria.CrmSync;

/// <summary>A checkpoint of a connection's change stream, persisted by <see cref="ISyncStateStore"/>.</summary>
/// <param name="ConnectionKey">The connection (<see cref="CrmConnection.ConnectionKey"/>).</param>
/// <param name="Stream">The stream, for example <c>records</c> or <c>activities</c>.</param>
/// <param name="Cursor">The position.</param>
/// <param name="UpdatedAt">When the checkpoint was written.</param>
public sealed record SyncCursorRecord(string ConnectionKey, string Stream, CrmCursor Cursor, DateTimeOffset UpdatedAt);

/// <summary>A time-limited claim on a unit of work (a connection, a partition, a lead), so several host instances never do it twice at once.</summary>
/// <param name="Resource">What is claimed.</param>
/// <param name="Owner">Who holds the claim.</param>
/// <param name="Token">A fencing token, increasing with every new claim of the resource.</param>
/// <param name="ExpiresAt">When the claim lapses unless renewed.</param>
public sealed record SyncLease(string Resource, string Owner, long Token, DateTimeOffset ExpiresAt);
