using System.Buffers.Binary;
using System.Threading.Channels;
using Aria.CrmSync.Gateways.Http;
using Aria.CrmSync.Notifications;
using Aria.CrmSync.PubSub.Protocol;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using PubSubGrpc = Aria.CrmSync.PubSub.Protocol.PubSub;

namespace Aria.CrmSync.PubSub;

/// <summary>
/// One connection's Change Data Capture subscription (Pub/Sub API <c>Subscribe</c>, bidirectional, pull-based:
/// https://developer.salesforce.com/docs/platform/pub-sub-api/references/methods/subscribe-rpc.html). Per response:
/// decode the events, queue targeted syncs of the changed ids (gap overflow: an incremental sync), wait until they ran,
/// then store the response's last replay id (a keep-alive's latest replay id too) and ask for as many events as were
/// delivered. So a restart replays from the last synced event; a duplicate delivery syncs a record once more, which is
/// idempotent. <c>UNAUTHENTICATED</c> refreshes the token and resubscribes from the stored replay id; an invalid
/// (expired) replay id falls back to the incremental cursor and subscribes from <c>LATEST</c> (Retry Long-Lived RPC
/// Calls After an Error Occurs: https://developer.salesforce.com/docs/platform/pub-sub-api/guide/retry-rpc-calls.html).
/// </summary>
internal sealed partial class SalesforceChangeSubscription(
    string userId,
    string topic,
    bool activities,
    SalesforcePubSubOptions options,
    GrpcChannel channel,
    ChangeEventDecoder decoder,
    ICrmConnectionResolver connections,
    ISyncStateStore states,
    CrmTokenCache tokens,
    ICrmTokenRefresher? refresher,
    CrmChangeNotifier notifier,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>The Pub/Sub error code of an invalid or expired replay id (Handle Errors, "Error Codes").</summary>
    private const string ReplayIdCorrupted = "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted";

    private readonly PubSubGrpc.PubSubClient _client = new(channel);

    /// <summary>Gets the sync-state stream under which the replay id is stored.</summary>
    public string Stream => "pubsub:" + topic;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = options.ReconnectDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            CrmConnection? connection = null;
            string? token = null;
            try
            {
                connection = await connections.ResolveAsync(userId, CrmProvider.Salesforce, cancellationToken).ConfigureAwait(false);
                token = tokens.AccessTokenFor(connection);
                await SubscribeAsync(connection, token, () => delay = options.ReconnectDelay, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated && connection is not null && refresher is not null)
            {
                LogUnauthenticated(logger, userId);
                await RefreshAsync(connection, token, cancellationToken).ConfigureAwait(false);
                continue; // resubscribe at once from the stored replay id
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument && connection is not null && ex.Trailers.GetValue("error-code") == ReplayIdCorrupted)
            {
                LogReplayExpired(logger, userId);
                await FallBackAsync(connection, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is RpcException or CrmSyncException or IOException or HttpRequestException)
            {
                LogFailed(logger, userId, ex.GetType().Name, ex.Message);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }

    private async Task SubscribeAsync(CrmConnection connection, string? token, Action connected, CancellationToken cancellationToken)
    {
        var headers = Headers(connection, token);
        var stored = await states.GetCursorAsync(connection.ConnectionKey, Stream, cancellationToken).ConfigureAwait(false);
        var first = new FetchRequest { TopicName = topic, NumRequested = options.BatchSize, ReplayPreset = ReplayPreset.Latest };
        if (stored?.Cursor.LastId is { Length: > 0 } replay)
        {
            first.ReplayPreset = ReplayPreset.Custom;
            first.ReplayId = ByteString.FromBase64(replay);
        }

        using var call = _client.Subscribe(headers, cancellationToken: cancellationToken);
        await SendAsync(call, first, cancellationToken).ConfigureAwait(false);
        LogSubscribed(logger, userId, topic, first.ReplayPreset.ToString());

        // From LATEST (no stored position: a first subscription, or a stop before the first position was stored), the
        // changes committed between the connection's last sync and the subscription point come in no event: catch up
        // with an incremental sync from the connection's checkpoint. Once now (the subscription point is set as the
        // server reads the request, well inside the notifier's debounce), and again at the first response, when the
        // point is certainly set. A connection never synced has no checkpoint: its first sync is the scheduler's.
        var catchUp = first.ReplayPreset == ReplayPreset.Latest && await HasCheckpointAsync(connection, cancellationToken).ConfigureAwait(false);
        if (catchUp)
        {
            await CatchUpAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        // Responses are not held up by their syncs: each response's notifications are queued (the notifier folds them
        // into the connection's next batch) and credit is asked for at once; a saver stores each response's replay id, in
        // order, once its syncs ran — so a restart replays from the last synced event.
        var completions = Channel.CreateUnbounded<(Task Synced, ByteString ReplayId)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stopSaver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var saver = SaveInOrderAsync(connection, completions.Reader, stopSaver.Token);
        try
        {
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                connected();
                if (catchUp)
                {
                    catchUp = false;
                    await CatchUpAsync(connection, cancellationToken).ConfigureAwait(false);
                }

                var response = call.ResponseStream.Current;
                if (response.Events.Count == 0)
                {
                    completions.Writer.TryWrite((Task.CompletedTask, response.LatestReplayId)); // keep-alive
                    continue;
                }

                var synced = await ProcessAsync(connection, headers, response, cancellationToken).ConfigureAwait(false);
                completions.Writer.TryWrite((synced, response.Events[^1].ReplayId));
                await SendAsync(call, new FetchRequest { TopicName = topic, NumRequested = response.Events.Count }, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            completions.Writer.TryComplete();
            if (cancellationToken.IsCancellationRequested)
            {
                await stopSaver.CancelAsync().ConfigureAwait(false);
            }

            await saver.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends a fetch request. The server can end the call before it reads one (it refuses an expired token on the call's
    /// headers): a write racing that end fails with <c>CANCELLED</c> or with the call's status, depending on timing. The
    /// call's own status is then read from the response stream and raised instead, so <see cref="RunAsync"/> reacts to
    /// what the server said (refresh the token, fall back from an expired replay id) rather than to the race.
    /// </summary>
    private static async Task SendAsync(AsyncDuplexStreamingCall<FetchRequest, FetchResponse> call, FetchRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await call.RequestStream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException) when (!cancellationToken.IsCancellationRequested)
        {
            await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false); // raises the call's status once it ended
            throw;
        }
    }

    private async Task SaveInOrderAsync(CrmConnection connection, ChannelReader<(Task Synced, ByteString ReplayId)> completions, CancellationToken cancellationToken)
    {
        try
        {
            while (await completions.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ByteString? last = null;
                var abandoned = false;
                while (completions.TryPeek(out var next) && next.Synced.IsCompleted)
                {
                    if (!next.Synced.IsCompletedSuccessfully)
                    {
                        abandoned = true; // the notifier stopped: nothing after this point is synced
                        break;
                    }

                    completions.TryRead(out _);
                    last = next.ReplayId;
                }

                if (last is not null)
                {
                    await SaveReplayAsync(connection, last, null, cancellationToken).ConfigureAwait(false);
                }

                if (abandoned)
                {
                    return;
                }

                if (last is null && completions.TryPeek(out var waiting))
                {
                    await ((Task)waiting.Synced).ContinueWith(static _ => { }, cancellationToken, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping: what was not stored is replayed by the next subscription (syncs are idempotent)
        }
    }

    /// <summary>Decodes a response's events and queues their syncs; returns a task that completes when they ran.</summary>
    private async Task<Task> ProcessAsync(CrmConnection connection, Metadata headers, FetchResponse response, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var incremental = false;
        DateTimeOffset? committed = null;
        foreach (var e in response.Events)
        {
            var schemaId = e.Event.SchemaId;
            if (!decoder.HasSchema(schemaId))
            {
                var schema = await _client.GetSchemaAsync(new SchemaRequest { SchemaId = schemaId }, headers, cancellationToken: cancellationToken).ConfigureAwait(false);
                decoder.AddSchema(schemaId, schema.SchemaJson);
            }

            ChangeEventInfo info;
            try
            {
                info = decoder.Decode(schemaId, e.Event.Payload.Memory);
            }
            catch (CrmSyncDataException ex)
            {
                LogUndecodable(logger, userId, ex.Message); // the periodic sync reads the change
                continue;
            }

            committed = committed is null || info.CommittedAt > committed ? info.CommittedAt : committed;
            switch (info.ChangeType)
            {
                case "GAP_OVERFLOW":
                    incremental = true; // too many changes in one transaction: read the object incrementally
                    break;
                case "UPDATE" when options.TriggerFields.Count > 0 && !info.ChangedFields.Any(options.TriggerFields.Contains):
                    break;
                default:
                    ids.AddRange(info.RecordIds); // CREATE, UPDATE, DELETE, UNDELETE and GAP_*: read the records by id
                    break;
            }
        }

        if (activities)
        {
            // An activity (Task, Event) changed: the connection's activity feed is read from its checkpoint.
            return response.Events.Count > 0
                ? notifier.EnqueueAsync(new CrmChangeNotification { UserId = connection.UserId, Provider = CrmProvider.Salesforce, ActivitiesChanged = true, CommittedAt = committed })
                : Task.CompletedTask;
        }

        return ids.Count > 0 || incremental
            ? notifier.EnqueueAsync(new CrmChangeNotification
            {
                UserId = connection.UserId,
                Provider = CrmProvider.Salesforce,
                CrmIds = ids,
                RequiresIncrementalSync = incremental,
                CommittedAt = committed,
            })
            : Task.CompletedTask;
    }

    private async Task FallBackAsync(CrmConnection connection, CancellationToken cancellationToken)
    {
        // Forget the replay id (next subscription starts at LATEST), then read everything since the cursor: no change
        // between the two is missed, because the incremental sync starts after the subscription point is dropped.
        await states.SaveCursorAsync(new SyncCursorRecord(connection.ConnectionKey, Stream, new CrmCursor(time.GetUtcNow(), null), time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        await CatchUpAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the connection has been synced (its record or activity feed has a checkpoint to catch up from).</summary>
    private async Task<bool> HasCheckpointAsync(CrmConnection connection, CancellationToken cancellationToken)
        => await states.GetCursorAsync(connection.ConnectionKey, activities ? Sync.ConnectionSynchronizer.ActivityStream : Sync.ConnectionSynchronizer.RecordStream, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Queues the incremental read of the topic's feed from the connection's checkpoint (folded into the connection's next batch; not awaited).</summary>
    private ValueTask CatchUpAsync(CrmConnection connection, CancellationToken cancellationToken) => notifier.NotifyAsync(activities
        ? new CrmChangeNotification { UserId = connection.UserId, Provider = CrmProvider.Salesforce, ActivitiesChanged = true }
        : new CrmChangeNotification { UserId = connection.UserId, Provider = CrmProvider.Salesforce, RequiresIncrementalSync = true }, cancellationToken);

    private Task SaveReplayAsync(CrmConnection connection, ByteString replayId, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        if (replayId.IsEmpty)
        {
            return Task.CompletedTask;
        }

        var now = time.GetUtcNow();
        return states.SaveCursorAsync(new SyncCursorRecord(connection.ConnectionKey, Stream, new CrmCursor(at ?? now, replayId.ToBase64()), now), cancellationToken).AsTask();
    }

    private async Task RefreshAsync(CrmConnection connection, string? rejected, CancellationToken cancellationToken)
    {
        await tokens.RefreshAsync(connection, rejected, async refreshToken =>
        {
            var fresh = await refresher!.RefreshAsync(connection, refreshToken, cancellationToken).ConfigureAwait(false);
            await connections.SaveTokensAsync(connection, fresh, cancellationToken).ConfigureAwait(false);
            return fresh;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The per-call authentication metadata: <c>accesstoken</c>, <c>instanceurl</c> and <c>tenantid</c> (the org id,
    /// which leads a Salesforce access token up to its <c>!</c>) — Pub/Sub API, "Supported Authentication":
    /// https://developer.salesforce.com/docs/platform/pub-sub-api/guide/supported-auth.html.
    /// </summary>
    private Metadata Headers(CrmConnection connection, string? token)
    {
        var accessToken = token ?? throw new CrmConnectionException(CrmProvider.Salesforce, $"The Salesforce connection of user '{connection.UserId}' has no access token", requiresReauthorization: true);
        var instance = tokens.InstanceUrlFor(connection) ?? throw new CrmConnectionException(CrmProvider.Salesforce, $"The Salesforce connection of user '{connection.UserId}' has no instance URL", requiresReauthorization: true);
        var bang = accessToken.IndexOf('!', StringComparison.Ordinal);
        var tenant = bang is 15 or 18 ? accessToken[..bang] : throw new CrmConnectionException(CrmProvider.Salesforce, "The Salesforce access token does not name its org", requiresReauthorization: true);
        return new Metadata
        {
            { "accesstoken", accessToken },
            { "instanceurl", instance.GetLeftPart(UriPartial.Authority) },
            { "tenantid", tenant },
        };
    }

    /// <summary>Decodes a replay id for logs and tests (Salesforce's are 8-byte big-endian integers today; they are stored as opaque bytes).</summary>
    internal static long? ReplayNumber(ByteString replayId) => replayId.Length == 8 ? BinaryPrimitives.ReadInt64BigEndian(replayId.Span) : null;

    [LoggerMessage(6000, LogLevel.Information, "Salesforce Pub/Sub: user {UserId} subscribed to {Topic} ({Preset}).")]
    private static partial void LogSubscribed(ILogger logger, string userId, string topic, string preset);

    [LoggerMessage(6001, LogLevel.Information, "Salesforce Pub/Sub: the access token of user {UserId} was rejected; refreshing it and resubscribing.")]
    private static partial void LogUnauthenticated(ILogger logger, string userId);

    [LoggerMessage(6002, LogLevel.Warning, "Salesforce Pub/Sub: the stored replay id of user {UserId} is invalid or past retention; falling back to the incremental sync and subscribing from LATEST.")]
    private static partial void LogReplayExpired(ILogger logger, string userId);

    [LoggerMessage(6003, LogLevel.Warning, "Salesforce Pub/Sub: the subscription of user {UserId} failed ({Kind}: {Message}); resubscribing.")]
    private static partial void LogFailed(ILogger logger, string userId, string kind, string message);

    [LoggerMessage(6004, LogLevel.Warning, "Salesforce Pub/Sub: an event for user {UserId} could not be decoded ({Message}); the periodic sync reads the change.")]
    private static partial void LogUndecodable(ILogger logger, string userId, string message);
}
