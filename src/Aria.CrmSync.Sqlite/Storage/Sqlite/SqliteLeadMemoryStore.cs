using System.Runtime.CompilerServices;
using Aria.CrmSync.Serialization;
using static Aria.CrmSync.Storage.StoredRecords;

namespace Aria.CrmSync.Storage.Sqlite;

/// <summary>
/// <see cref="ILeadMemoryStore"/> on SQLite: leads in <c>crm_sync_lead_memories</c> with optimistic concurrency, events
/// in <c>crm_sync_lead_events</c>, deduplicated by a unique index on (lead, source, external id).
/// </summary>
internal sealed class SqliteLeadMemoryStoreCore(SqliteDatabase database) : ILeadMemoryStore
{
    private const string Resource = "Lead memory";
    private const string SelectLead = $"SELECT {LeadColumns} FROM {LeadTable}";
    private static readonly SqliteDialect Dialect = SqliteDialect.Instance;

    public SqliteDatabase Database => database;

    public ValueTask<LeadMemory?> GetAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        return ReadOne(cancellationToken, $"{SelectLead} WHERE id = @id AND user_id = @user_id;", ("@id", leadMemoryId), ("@user_id", userId));
    }

    public ValueTask<LeadMemory?> FindByCrmIdAsync(string userId, CrmProvider provider, string crmId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(crmId);
        return ReadOne(
            cancellationToken,
            $"{SelectLead} WHERE user_id = @user_id AND crm_provider = @crm_provider AND crm_id = @crm_id ORDER BY id LIMIT 1;",
            ("@user_id", userId),
            ("@crm_provider", WireValue.Format(provider)),
            ("@crm_id", crmId));
    }

    public ValueTask<IReadOnlyList<LeadMemory>> FindByCrmIdsAsync(string userId, CrmProvider provider, IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(crmIds);
        cancellationToken.ThrowIfCancellationRequested();
        if (crmIds.Count == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<LeadMemory>>([]);
        }

        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = $"{SelectLead} WHERE user_id = @user_id AND crm_provider = @crm_provider AND crm_id IN (SELECT value FROM json_each(@crm_ids)) ORDER BY id;";
        command.Parameters.AddWithValue("@user_id", userId);
        command.Parameters.AddWithValue("@crm_provider", WireValue.Format(provider));
        command.Parameters.AddWithValue("@crm_ids", CrmSyncJson.Serialize(crmIds));
        return ValueTask.FromResult(FirstPerCrmId(command));
    }

    public async IAsyncEnumerable<LeadMemory> ListLinkedAsync(string userId, CrmProvider provider, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = $"{SelectLead} WHERE user_id = @user_id AND crm_provider = @crm_provider AND crm_id IS NOT NULL ORDER BY id;";
        command.Parameters.AddWithValue("@user_id", userId);
        command.Parameters.AddWithValue("@crm_provider", WireValue.Format(provider));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadLead(reader, Dialect);
        }
    }

    public async ValueTask<LeadMemory> InsertAsync(LeadMemory lead, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lead);
        ArgumentException.ThrowIfNullOrEmpty(lead.Id, nameof(lead));
        ArgumentException.ThrowIfNullOrEmpty(lead.UserId, nameof(lead));
        ValidateNew(lead.Version, nameof(lead), "lead");

        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        using var insert = write.Command($"INSERT INTO {LeadTable} ({LeadColumns}) VALUES ({LeadValues}, 1) ON CONFLICT DO NOTHING;");
        BindLead(insert, lead, Dialect);
        if (insert.ExecuteNonQuery() == 0)
        {
            throw new CrmSyncConcurrencyException(Resource, lead.Id, 0, StoredVersion(write, lead.Id).Version);
        }

        write.Commit();
        return lead with { Version = 1 };
    }

    public async ValueTask<LeadMemory> UpdateAsync(LeadMemory lead, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lead);
        ArgumentException.ThrowIfNullOrEmpty(lead.Id, nameof(lead));

        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        using var update = write.Command($"UPDATE {LeadTable} SET {LeadAssignments}, version = version + 1 WHERE id = @id AND user_id = @user_id AND version = @version;");
        BindLead(update, lead, Dialect);
        update.Parameters.AddWithValue("@version", lead.Version);
        if (update.ExecuteNonQuery() == 0)
        {
            var (actual, owner) = StoredVersion(write, lead.Id);
            throw actual is { } v && owner == lead.UserId
                ? new CrmSyncConcurrencyException(Resource, lead.Id, lead.Version, v)
                : new CrmSyncNotFoundException(Resource, lead.Id);
        }

        write.Commit();
        return lead with { Version = lead.Version + 1 };
    }

    public async ValueTask<int> AddEventsAsync(IReadOnlyList<LeadEvent> events, CancellationToken cancellationToken = default)
    {
        ValidateEvents(events);
        if (events.Count == 0)
        {
            return 0;
        }

        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        using var insert = write.Command($"INSERT INTO {EventTable} ({EventColumns}) VALUES (@id, @user_id, @lead_memory_id, @event_type, @direction, @subject, @content, @occurred_at, @source, @external_id, @metadata, @created_at) ON CONFLICT DO NOTHING;");
        var added = 0;
        foreach (var e in events)
        {
            insert.Parameters.Clear();
            StoreDialect.Add(insert, "@id", e.Id);
            StoreDialect.Add(insert, "@user_id", e.UserId);
            StoreDialect.Add(insert, "@lead_memory_id", e.LeadMemoryId);
            StoreDialect.Add(insert, "@event_type", e.EventType);
            StoreDialect.Add(insert, "@direction", e.Direction);
            StoreDialect.Add(insert, "@subject", e.Subject);
            StoreDialect.Add(insert, "@content", e.Content);
            Dialect.AddTime(insert, "@occurred_at", e.OccurredAt);
            StoreDialect.Add(insert, "@source", Wire(e.Source));
            StoreDialect.Add(insert, "@external_id", e.ExternalId);
            Dialect.AddJson(insert, "@metadata", CrmSyncJson.Serialize(e.Metadata));
            Dialect.AddTime(insert, "@created_at", e.CreatedAt);
            added += insert.ExecuteNonQuery();
        }

        write.Commit();
        return added;
    }

    public async IAsyncEnumerable<LeadEvent> GetEventsAsync(string userId, string leadMemoryId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {EventColumns} FROM {EventTable} WHERE lead_memory_id = @lead_memory_id AND user_id = @user_id ORDER BY occurred_at, id;";
        command.Parameters.AddWithValue("@lead_memory_id", leadMemoryId);
        command.Parameters.AddWithValue("@user_id", userId);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadEvent(reader, Dialect);
        }
    }

    private static (long? Version, string? UserId) StoredVersion(SqliteWrite write, string id)
    {
        using var command = write.Command($"SELECT version, user_id FROM {LeadTable} WHERE id = @id;");
        command.Parameters.AddWithValue("@id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : (null, null);
    }

    /// <summary>The leads a command reads in id order, the first per CRM id (as <see cref="FindByCrmIdAsync"/> picks).</summary>
    private static IReadOnlyList<LeadMemory> FirstPerCrmId(Microsoft.Data.Sqlite.SqliteCommand command)
    {
        var found = new Dictionary<string, LeadMemory>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var lead = ReadLead(reader, Dialect);
            found.TryAdd(lead.CrmId!, lead);
        }

        return [.. found.Values];
    }

    private ValueTask<LeadMemory?> ReadOne(CancellationToken cancellationToken, string sql, params (string Name, string Value)[] parameters)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        return ValueTask.FromResult(reader.Read() ? ReadLead(reader, Dialect) : null);
    }
}
