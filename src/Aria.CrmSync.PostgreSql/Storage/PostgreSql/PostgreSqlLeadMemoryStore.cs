using System.Runtime.CompilerServices;
using Aria.CrmSync.Serialization;
using Npgsql;
using NpgsqlTypes;
using static Aria.CrmSync.Storage.StoredRecords;

namespace Aria.CrmSync.Storage.PostgreSql;

/// <summary>
/// <see cref="ILeadMemoryStore"/> on PostgreSQL: leads in <c>crm_sync_lead_memories</c> with optimistic concurrency,
/// events in <c>crm_sync_lead_events</c> inserted in one statement that skips duplicates by the unique (lead, source,
/// external id) index, so concurrent writers of the same event store it once.
/// </summary>
internal sealed class PostgreSqlLeadMemoryStoreCore : ILeadMemoryStore
{
    private const string Resource = "Lead memory";
    private static readonly PostgreSqlDialect Dialect = PostgreSqlDialect.Instance;
    private readonly PostgreSqlDatabase _database;
    private readonly string _select;
    private readonly string _insert;
    private readonly string _update;
    private readonly string _owner;
    private readonly string _insertEvents;
    private readonly string _events;

    public PostgreSqlLeadMemoryStoreCore(PostgreSqlDatabase database)
    {
        _database = database;
        var t = database.Leads;
        _select = $"SELECT {LeadColumns} FROM {t}";
        _insert = $"INSERT INTO {t} ({LeadColumns}) VALUES ({LeadValues}, 1) ON CONFLICT DO NOTHING;";
        _update = $"UPDATE {t} SET {LeadAssignments}, version = version + 1 WHERE id = @id AND user_id = @user_id AND version = @version;";
        _owner = $"SELECT version, user_id FROM {t} WHERE id = @id;";
        _insertEvents = $"""
            INSERT INTO {database.Events} ({EventColumns})
            SELECT * FROM unnest(@id::text[], @user_id::text[], @lead_memory_id::text[], @event_type::text[], @direction::text[], @subject::text[], @content::text[],
                                 @occurred_at::timestamptz[], @source::text[], @external_id::text[], @metadata::text[]::jsonb[], @created_at::timestamptz[])
            ON CONFLICT DO NOTHING;
            """;
        _events = $"SELECT {EventColumns} FROM {database.Events} WHERE lead_memory_id = @lead_memory_id AND user_id = @user_id ORDER BY occurred_at, id COLLATE \"C\";";
    }

    public PostgreSqlDatabase Database => _database;

    public async ValueTask<LeadMemory?> GetAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        return await ReadOneAsync($"{_select} WHERE id = @id AND user_id = @user_id;", cancellationToken, ("@id", leadMemoryId), ("@user_id", userId)).ConfigureAwait(false);
    }

    public async ValueTask<LeadMemory?> FindByCrmIdAsync(string userId, CrmProvider provider, string crmId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(crmId);
        return await ReadOneAsync(
            $"{_select} WHERE user_id = @user_id AND crm_provider = @crm_provider AND crm_id = @crm_id ORDER BY id COLLATE \"C\" LIMIT 1;",
            cancellationToken,
            ("@user_id", userId),
            ("@crm_provider", WireValue.Format(provider)),
            ("@crm_id", crmId)).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<LeadMemory>> FindByCrmIdsAsync(string userId, CrmProvider provider, IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(crmIds);
        if (crmIds.Count == 0)
        {
            return [];
        }

        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);

        // The lowest lead id per CRM id, as FindByCrmIdAsync picks; served by the (user_id, crm_provider, crm_id) index.
        using var command = new NpgsqlCommand($"{_select} WHERE user_id = @user_id AND crm_provider = @crm_provider AND crm_id = ANY(@crm_ids) ORDER BY id COLLATE \"C\";", connection);
        command.Parameters.AddWithValue("@user_id", userId);
        command.Parameters.AddWithValue("@crm_provider", WireValue.Format(provider));
        command.Parameters.Add(new NpgsqlParameter("@crm_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = crmIds.Distinct(StringComparer.Ordinal).ToArray() });
        var found = new Dictionary<string, LeadMemory>(StringComparer.Ordinal);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var lead = ReadLead(reader, Dialect);
            found.TryAdd(lead.CrmId!, lead);
        }

        return [.. found.Values];
    }

    public async IAsyncEnumerable<LeadMemory> ListLinkedAsync(string userId, CrmProvider provider, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand($"{_select} WHERE user_id = @user_id AND crm_provider = @crm_provider AND crm_id IS NOT NULL ORDER BY id COLLATE \"C\";", connection);
        command.Parameters.AddWithValue("@user_id", userId);
        command.Parameters.AddWithValue("@crm_provider", WireValue.Format(provider));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
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

        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);

        await using var connectionScope = connection.ConfigureAwait(false);
        using var insert = new NpgsqlCommand(_insert, connection);
        BindLead(insert, lead, Dialect);
        if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            var (actual, _) = await StoredVersionAsync(connection, lead.Id, cancellationToken).ConfigureAwait(false);
            throw new CrmSyncConcurrencyException(Resource, lead.Id, 0, actual);
        }

        return lead with { Version = 1 };
    }

    public async ValueTask<LeadMemory> UpdateAsync(LeadMemory lead, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lead);
        ArgumentException.ThrowIfNullOrEmpty(lead.Id, nameof(lead));

        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);

        await using var connectionScope = connection.ConfigureAwait(false);
        using var update = new NpgsqlCommand(_update, connection);
        BindLead(update, lead, Dialect);
        update.Parameters.AddWithValue("@version", lead.Version);
        if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            var (actual, owner) = await StoredVersionAsync(connection, lead.Id, cancellationToken).ConfigureAwait(false);
            throw actual is { } v && owner == lead.UserId
                ? new CrmSyncConcurrencyException(Resource, lead.Id, lead.Version, v)
                : new CrmSyncNotFoundException(Resource, lead.Id);
        }

        return lead with { Version = lead.Version + 1 };
    }

    public async ValueTask<int> AddEventsAsync(IReadOnlyList<LeadEvent> events, CancellationToken cancellationToken = default)
    {
        ValidateEvents(events);
        if (events.Count == 0)
        {
            return 0;
        }

        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);

        await using var connectionScope = connection.ConfigureAwait(false);
        using var insert = new NpgsqlCommand(_insertEvents, connection);
        AddArray(insert, "@id", events, static e => e.Id);
        AddArray(insert, "@user_id", events, static e => e.UserId);
        AddArray(insert, "@lead_memory_id", events, static e => e.LeadMemoryId);
        AddArray(insert, "@event_type", events, static e => e.EventType);
        AddArray(insert, "@direction", events, static e => e.Direction);
        AddArray(insert, "@subject", events, static e => e.Subject);
        AddArray(insert, "@content", events, static e => e.Content);
        insert.Parameters.AddWithValue("@occurred_at", events.Select(static e => e.OccurredAt.ToUniversalTime()).ToArray());
        AddArray(insert, "@source", events, static e => Wire(e.Source));
        AddArray(insert, "@external_id", events, static e => e.ExternalId);
        AddArray(insert, "@metadata", events, static e => CrmSyncJson.Serialize(e.Metadata));
        insert.Parameters.AddWithValue("@created_at", events.Select(static e => e.CreatedAt.ToUniversalTime()).ToArray());
        return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<LeadEvent> GetEventsAsync(string userId, string leadMemoryId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(_events, connection);
        command.Parameters.AddWithValue("@lead_memory_id", leadMemoryId);
        command.Parameters.AddWithValue("@user_id", userId);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadEvent(reader, Dialect);
        }
    }

    private static void AddArray(NpgsqlCommand command, string name, IReadOnlyList<LeadEvent> events, Func<LeadEvent, string?> select)
        => command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = events.Select(select).ToArray() });

    private async Task<(long? Version, string? UserId)> StoredVersionAsync(NpgsqlConnection connection, string id, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(_owner, connection);
        command.Parameters.AddWithValue("@id", id);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), reader.GetString(1)) : (null, null);
    }

    private async Task<LeadMemory?> ReadOneAsync(string sql, CancellationToken cancellationToken, params (string Name, string Value)[] parameters)
    {
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadLead(reader, Dialect) : null;
    }
}
