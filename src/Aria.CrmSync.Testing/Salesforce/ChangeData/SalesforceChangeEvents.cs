using System.Buffers.Binary;
using System.Globalization;
using Aria.CrmSync.Testing.Salesforce;
using Aria.CrmSync.Testing.Salesforce.ChangeData;

namespace Aria.CrmSync.Testing;

/// <summary>
/// The emulated org's Change Data Capture event bus: every committed change to an object selected in
/// <see cref="SalesforceEmulatorOptions.ChangeDataCaptureObjects"/> becomes an Avro-encoded change event with a
/// <c>ChangeEventHeader</c> (unchanged fields null, bitmap fields, commit timestamp), kept for
/// <see cref="SalesforceEmulatorOptions.ChangeEventRetention"/> and served over the Pub/Sub API by
/// <c>StartPubSubServerAsync</c> (package <c>Aria.CrmSync.Testing.Server</c>). Tests inject gap events and switch
/// publishing off to simulate lost notifications. Thread-safe.
/// </summary>
public sealed class SalesforceChangeEvents
{
    /// <summary>The channel of all selected objects' change events.</summary>
    public const string AllChangeEventsTopic = "/data/ChangeEvents";

    // Gap overflow events carry a wildcard record id (Change Data Capture Developer Guide, "Overflow Events":
    // https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_other_events_overflow.htm).
    private const string WildcardRecordId = "000000000000000AAA";

    private readonly Lock _gate = new();
    private readonly SalesforceEmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<string, SfObject?> _objects;
    private readonly List<StoredEvent> _events = [];
    private readonly Dictionary<string, SfChangeSchema> _schemas = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SfChangeSchema> _latestSchema = new(StringComparer.OrdinalIgnoreCase);
    private TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _replayId;
    private long _prunedThrough;
    private long _commitNumber;
    private long _transactions;
    private bool _enabled = true;
    private long _subscriptions;
    private long _activeSubscriptions;

    internal SalesforceChangeEvents(SalesforceEmulatorOptions options, TimeProvider time, Func<string, SfObject?> objects, int seed)
    {
        _options = options;
        _time = time;
        _objects = objects;
        _replayId = 10_000 + (Math.Abs(seed) % 1_000) * 1_000;
        _prunedThrough = _replayId;
        _commitNumber = 10_000_000_000 + Math.Abs(seed);
    }

    /// <summary>Gets the topics a client can subscribe to: <see cref="AllChangeEventsTopic"/> and <c>/data/{Object}ChangeEvent</c> per selected object.</summary>
    public IReadOnlyList<string> Topics => [AllChangeEventsTopic, .. _options.ChangeDataCaptureObjects.Select(o => "/data/" + o + "ChangeEvent")];

    /// <summary>Gets the replay id of the latest event (the tip of the stream).</summary>
    public long LatestReplayId
    {
        get
        {
            lock (_gate)
            {
                return _replayId;
            }
        }
    }

    /// <summary>Gets the number of Pub/Sub subscriptions opened so far (authenticated, topic and replay start accepted).</summary>
    public long SubscriptionsOpened => Interlocked.Read(ref _subscriptions);

    /// <summary>Gets the number of Pub/Sub subscriptions open now (opened and not yet ended by either side).</summary>
    public long ActiveSubscriptions => Interlocked.Read(ref _activeSubscriptions);

    /// <summary>Gets the number of events retained.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                Prune();
                return _events.Count;
            }
        }
    }

    /// <summary>
    /// Gets or sets a value indicating whether changes publish events. Off simulates notifications that never arrive
    /// (changes made meanwhile are visible only to polling); the default is on.
    /// </summary>
    public bool IsEnabled
    {
        get
        {
            lock (_gate)
            {
                return _enabled;
            }
        }

        set
        {
            lock (_gate)
            {
                _enabled = value;
            }
        }
    }

    /// <summary>
    /// Publishes a gap event (<c>GAP_CREATE</c>, <c>GAP_UPDATE</c>, <c>GAP_DELETE</c> or <c>GAP_UNDELETE</c>): a header
    /// naming the records and no field values, as Salesforce sends when it cannot produce the full event.
    /// </summary>
    /// <param name="objectName">The object, e.g. <c>Opportunity</c>.</param>
    /// <param name="recordIds">The changed records.</param>
    /// <param name="changeType">The gap change type.</param>
    /// <returns>The event's replay id.</returns>
    /// <exception cref="ArgumentException">The object is not selected for Change Data Capture, or the change type is not a gap type.</exception>
    public long PublishGap(string objectName, IReadOnlyList<string> recordIds, string changeType = "GAP_UPDATE")
    {
        ArgumentException.ThrowIfNullOrEmpty(objectName);
        ArgumentNullException.ThrowIfNull(recordIds);
        if (changeType is not ("GAP_CREATE" or "GAP_UPDATE" or "GAP_DELETE" or "GAP_UNDELETE"))
        {
            throw new ArgumentException("The change type must be GAP_CREATE, GAP_UPDATE, GAP_DELETE or GAP_UNDELETE.", nameof(changeType));
        }

        return PublishHeaderOnly(objectName, recordIds, changeType);
    }

    /// <summary>Publishes a <c>GAP_OVERFLOW</c> event: too many changes in one transaction; the object must be read incrementally.</summary>
    /// <param name="objectName">The object, e.g. <c>Opportunity</c>.</param>
    /// <returns>The event's replay id.</returns>
    /// <exception cref="ArgumentException">The object is not selected for Change Data Capture.</exception>
    public long PublishGapOverflow(string objectName)
    {
        ArgumentException.ThrowIfNullOrEmpty(objectName);
        return PublishHeaderOnly(objectName, [WildcardRecordId], "GAP_OVERFLOW");
    }

    /// <summary>Counts an opened subscription.</summary>
    internal void SubscriptionOpened()
    {
        Interlocked.Increment(ref _subscriptions);
        Interlocked.Increment(ref _activeSubscriptions);
    }

    /// <summary>Counts an opened subscription as ended.</summary>
    internal void SubscriptionClosed() => Interlocked.Decrement(ref _activeSubscriptions);

    /// <summary>Encodes a replay id as Pub/Sub carries it: 8 bytes, big-endian.</summary>
    internal static byte[] EncodeReplayId(long replayId)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, replayId);
        return bytes;
    }

    /// <summary>Decodes a replay id; <see langword="null"/> when it is not 8 bytes.</summary>
    internal static long? DecodeReplayId(ReadOnlySpan<byte> bytes) => bytes.Length == 8 ? BinaryPrimitives.ReadInt64BigEndian(bytes) : null;

    /// <summary>Returns the entity a topic carries (<see langword="null"/> for all), or <see langword="false"/> for an unknown topic.</summary>
    internal bool TryResolveTopic(string topic, out string? entity)
    {
        entity = null;
        if (topic == AllChangeEventsTopic)
        {
            return true;
        }

        if (topic.StartsWith("/data/", StringComparison.Ordinal) && topic.EndsWith("ChangeEvent", StringComparison.Ordinal))
        {
            var name = topic[6..^11];
            entity = _options.ChangeDataCaptureObjects.FirstOrDefault(o => string.Equals(o, name, StringComparison.Ordinal));
            return entity is not null;
        }

        return false;
    }

    /// <summary>Gets the current schema of a topic's events (for <c>GetTopic</c>); <see langword="null"/> for the multi-object channel.</summary>
    internal string? SchemaIdOf(string? entity)
    {
        if (entity is null || _objects(entity) is not { } obj)
        {
            return null;
        }

        lock (_gate)
        {
            return SchemaOf(obj).Id;
        }
    }

    /// <summary>Gets a schema's JSON by id; <see langword="null"/> when unknown.</summary>
    internal string? SchemaJson(string schemaId)
    {
        lock (_gate)
        {
            return _schemas.TryGetValue(schemaId, out var schema) ? schema.Json : null;
        }
    }

    /// <summary>Checks a replay id for a <c>CUSTOM</c> start: it must be within retention and not ahead of the stream.</summary>
    internal bool IsValidReplayId(long replayId)
    {
        lock (_gate)
        {
            Prune();
            return replayId >= _prunedThrough && replayId <= _replayId;
        }
    }

    /// <summary>
    /// Reads up to <paramref name="max"/> events after <paramref name="afterReplayId"/> of an entity (all when null),
    /// and how far the stream was scanned: the last returned replay id when <paramref name="max"/> were found, else the
    /// tip (events of other entities up to it were skipped).
    /// </summary>
    internal (IReadOnlyList<ChangeEventRecord> Events, long ScannedThrough) Read(string? entity, long afterReplayId, int max)
    {
        lock (_gate)
        {
            Prune();
            var result = new List<ChangeEventRecord>();
            var start = _events.FindIndex(e => e.Record.ReplayId > afterReplayId);
            for (var i = start; start >= 0 && i < _events.Count && result.Count < max; i++)
            {
                if (entity is null || _events[i].Entity == entity)
                {
                    result.Add(_events[i].Record);
                }
            }

            var scanned = result.Count == max && max > 0 ? result[^1].ReplayId : Math.Max(afterReplayId, _replayId);
            return (result, scanned);
        }
    }

    /// <summary>Returns a task that completes at the next publish.</summary>
    internal Task NextPublishAsync()
    {
        lock (_gate)
        {
            return _published.Task;
        }
    }

    /// <summary>Publishes one committed transaction (called by the store under the emulator's lock).</summary>
    internal void Publish(IReadOnlyList<SfCapturedChange> transaction)
    {
        lock (_gate)
        {
            if (!_enabled)
            {
                return;
            }

            var selected = transaction.Where(c => _options.ChangeDataCaptureObjects.Contains(c.Type)).ToList();
            if (selected.Count == 0)
            {
                return;
            }

            var key = NewTransactionKey();
            var commitTimestamp = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var commitNumber = ++_commitNumber;
            var sequence = 0;
            foreach (var change in selected)
            {
                if (_objects(change.Type) is not { } obj)
                {
                    continue;
                }

                var schema = SchemaOf(obj);
                var (type, values, changed, nulled) = Describe(schema, change);
                var header = new SfChangeHeader(obj.Name, [change.Id], type, "com/salesforce/api/rest", key, ++sequence, commitTimestamp, commitNumber, change.UserId, schema.Bitmap(nulled), [], schema.Bitmap(changed));
                Append(obj.Name, schema, header, values);
            }

            Signal();
        }
    }

    private static (string Type, IReadOnlyDictionary<string, object?> Values, List<string> Changed, List<string> Nulled) Describe(SfChangeSchema schema, SfCapturedChange change)
    {
        var empty = new Dictionary<string, object?>();
        switch (change.Kind)
        {
            case SfChangeKind.Delete:
                return ("DELETE", empty, [], []);
            case SfChangeKind.Create:
            case SfChangeKind.Undelete:
                // Create and undelete events carry every populated field; changedFields is for updates.
                return (change.Kind == SfChangeKind.Create ? "CREATE" : "UNDELETE", change.After, [], []);
            default:
                var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                var changed = new List<string>();
                var nulled = new List<string>();
                foreach (var field in schema.Fields)
                {
                    var before = change.Before?.GetValueOrDefault(field.Name);
                    var after = change.After.GetValueOrDefault(field.Name);
                    if (Equals(before, after))
                    {
                        continue; // unchanged fields are null in a Pub/Sub change event
                    }

                    changed.Add(field.Name);
                    values[field.Name] = after;
                    if (after is null)
                    {
                        nulled.Add(field.Name);
                    }
                }

                return ("UPDATE", values, changed, nulled);
        }
    }

    private long PublishHeaderOnly(string objectName, IReadOnlyList<string> recordIds, string changeType)
    {
        if (!_options.ChangeDataCaptureObjects.Contains(objectName) || _objects(objectName) is not { } obj)
        {
            throw new ArgumentException($"{objectName} is not selected for Change Data Capture.", nameof(objectName));
        }

        lock (_gate)
        {
            var schema = SchemaOf(obj);
            var header = new SfChangeHeader(obj.Name, [.. recordIds], changeType, string.Empty, NewTransactionKey(), 1, _time.GetUtcNow().ToUnixTimeMilliseconds(), ++_commitNumber, string.Empty, [], [], []);
            Append(obj.Name, schema, header, new Dictionary<string, object?>());
            Signal();
            return _replayId;
        }
    }

    private void Append(string entity, SfChangeSchema schema, SfChangeHeader header, IReadOnlyDictionary<string, object?> values)
    {
        var replayId = ++_replayId;
        var eventId = string.Create(CultureInfo.InvariantCulture, $"{header.TransactionKey[..8]}-{replayId:x12}");
        var record = new ChangeEventRecord(replayId, eventId, schema.Id, schema.Encode(header, values), header.CommitTimestamp);
        _events.Add(new StoredEvent(entity, record));
    }

    private SfChangeSchema SchemaOf(SfObject obj)
    {
        if (!_latestSchema.TryGetValue(obj.Name, out var schema) || schema.Fields.Count != obj.Fields.Count(f => f.Type != SfFieldType.Address && f.Name is not ("Id" or "IsDeleted" or "SystemModstamp")))
        {
            schema = SfChangeSchema.For(obj);
            _latestSchema[obj.Name] = schema;
            _schemas[schema.Id] = schema;
        }

        return schema;
    }

    private string NewTransactionKey()
    {
        var n = ++_transactions;
        return string.Create(CultureInfo.InvariantCulture, $"{(_commitNumber * 2_654_435_761L) & 0xFFFFFFFFL:x8}-{n:x4}-{(n * 40503L) & 0xFFFF:x4}-{_replayId & 0xFFFF:x4}-{n * 0x9E3779B9L & 0xFFFFFFFFFFFFL:x12}");
    }

    private void Signal()
    {
        var done = _published;
        _published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.TrySetResult();
    }

    private void Prune()
    {
        var cutoff = _time.GetUtcNow() - _options.ChangeEventRetention;
        var expired = 0;
        while (expired < _events.Count && DateTimeOffset.FromUnixTimeMilliseconds(_events[expired].Record.CommitTimestamp) < cutoff)
        {
            _prunedThrough = _events[expired].Record.ReplayId;
            expired++;
        }

        _events.RemoveRange(0, expired);
    }

    private sealed record StoredEvent(string Entity, ChangeEventRecord Record);
}

/// <summary>One retained change event: replay id, event id (UUID-like), schema id, Avro payload and commit time (epoch ms).</summary>
internal sealed record ChangeEventRecord(long ReplayId, string EventId, string SchemaId, byte[] Payload, long CommitTimestamp);
