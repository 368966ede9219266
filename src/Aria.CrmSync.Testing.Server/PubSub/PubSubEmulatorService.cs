using System.Globalization;
using Aria.CrmSync.PubSub.Protocol;
using Google.Protobuf;
using Grpc.Core;
using PubSubGrpc = Aria.CrmSync.PubSub.Protocol.PubSub;

namespace Aria.CrmSync.Testing.PubSub;

/// <summary>
/// The Salesforce Pub/Sub API (<c>eventbus.v1.PubSub</c>) over the emulated org's change events: <c>Subscribe</c>
/// (pull-based: each <c>FetchRequest</c> adds <c>num_requested</c> credit; the first names the topic and the replay
/// start), <c>GetTopic</c> and <c>GetSchema</c>, each call authenticated by the <c>accesstoken</c>,
/// <c>instanceurl</c> and <c>tenantid</c> metadata. Semantics from the Pub/Sub API developer guide: Subscribe RPC
/// Method (https://developer.salesforce.com/docs/platform/pub-sub-api/references/methods/subscribe-rpc.html), Event
/// Message Durability (replay ids, 72-hour retention), Handle Errors (the <c>error-code</c> and <c>rpc-id</c>
/// trailers; an invalid replay id is <c>sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted</c>:
/// https://developer.salesforce.com/docs/platform/pub-sub-api/guide/handling-errors.html). Publishing to change event
/// channels is not allowed (<c>TopicInfo.can_publish</c> is false), so <c>Publish</c>, <c>PublishStream</c> and the
/// beta <c>ManagedSubscribe</c> answer <c>UNIMPLEMENTED</c>.
/// </summary>
internal sealed class PubSubEmulatorService : PubSubGrpc.PubSubBase
{
    /// <summary>At most this many events go into one <c>FetchResponse</c>.</summary>
    private const int MaxEventsPerResponse = 100;

    private readonly SalesforceEmulator _emulator;
    private long _rpcIds;

    public PubSubEmulatorService(SalesforceEmulator emulator) => _emulator = emulator;

    public override Task<TopicInfo> GetTopic(TopicRequest request, ServerCallContext context)
    {
        var rpcId = Authenticate(context);
        var events = _emulator.ChangeEvents;
        if (!events.TryResolveTopic(request.TopicName, out var entity))
        {
            throw TopicNotFound(request.TopicName, rpcId);
        }

        return Task.FromResult(new TopicInfo
        {
            TopicName = request.TopicName,
            TenantGuid = _emulator.Org.OrganizationId,
            CanPublish = false,
            CanSubscribe = true,
            SchemaId = events.SchemaIdOf(entity) ?? string.Empty,
            RpcId = rpcId,
        });
    }

    public override Task<SchemaInfo> GetSchema(SchemaRequest request, ServerCallContext context)
    {
        var rpcId = Authenticate(context);
        var json = _emulator.ChangeEvents.SchemaJson(request.SchemaId)
            ?? throw Fail(StatusCode.NotFound, "sfdc.platform.eventbus.grpc.schema.not.found", $"Schema {request.SchemaId} not found.", rpcId);
        return Task.FromResult(new SchemaInfo { SchemaId = request.SchemaId, SchemaJson = json, RpcId = rpcId });
    }

    public override async Task Subscribe(IAsyncStreamReader<FetchRequest> requestStream, IServerStreamWriter<FetchResponse> responseStream, ServerCallContext context)
    {
        var rpcId = Authenticate(context);
        var cancellationToken = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var first = requestStream.Current;
        var events = _emulator.ChangeEvents;
        if (!events.TryResolveTopic(first.TopicName, out var entity))
        {
            throw TopicNotFound(first.TopicName, rpcId);
        }

        long cursor;
        switch (first.ReplayPreset)
        {
            case ReplayPreset.Earliest:
                cursor = 0;
                break;
            case ReplayPreset.Custom:
                if (SalesforceChangeEvents.DecodeReplayId(first.ReplayId.Span) is not { } replayId || !events.IsValidReplayId(replayId))
                {
                    throw Fail(StatusCode.InvalidArgument, "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted", "The Replay ID validation failed. Ensure that the Replay ID is valid and within the retention window.", rpcId);
                }

                cursor = replayId;
                break;
            default:
                cursor = events.LatestReplayId;
                break;
        }

        events.SubscriptionOpened();
        var flow = new CreditFlow(Math.Max(0, first.NumRequested));
        var reader = ReadCreditAsync(requestStream, first.TopicName, flow, rpcId, cancellationToken);
        var keepAlive = _emulator.Options.ChangeEventKeepAliveInterval;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                flow.ThrowIfFailed();
                var published = events.NextPublishAsync();
                var creditChanged = flow.ChangedAsync();
                var credit = flow.Credit;
                if (credit > 0)
                {
                    var (batch, scanned) = events.Read(entity, cursor, Math.Min(credit, MaxEventsPerResponse));
                    cursor = scanned;
                    if (batch.Count > 0)
                    {
                        var remaining = flow.Take(batch.Count);
                        var response = new FetchResponse { LatestReplayId = Replay(batch[^1].ReplayId), RpcId = rpcId, PendingNumRequested = remaining };
                        foreach (var e in batch)
                        {
                            response.Events.Add(new ConsumerEvent
                            {
                                Event = new ProducerEvent { Id = e.EventId, SchemaId = e.SchemaId, Payload = ByteString.CopyFrom(e.Payload) },
                                ReplayId = Replay(e.ReplayId),
                            });
                        }

                        await responseStream.WriteAsync(response, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }

                using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var timer = Task.Delay(keepAlive, _emulator.TimeProvider, delay.Token);
                var woke = await Task.WhenAny(published, creditChanged, timer).ConfigureAwait(false);
                await delay.CancelAsync().ConfigureAwait(false);
                if (woke == timer && !cancellationToken.IsCancellationRequested)
                {
                    // Keep-alive: no events, the latest replay id the client may resume from (never past an undelivered event).
                    await responseStream.WriteAsync(new FetchResponse { LatestReplayId = Replay(cursor), RpcId = rpcId, PendingNumRequested = flow.Credit }, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the client went away
        }
        finally
        {
            events.SubscriptionClosed();
        }

        flow.ThrowIfFailed();
        await reader.ConfigureAwait(false);
    }

    private static ByteString Replay(long replayId) => ByteString.CopyFrom(SalesforceChangeEvents.EncodeReplayId(replayId));

    private static RpcException TopicNotFound(string topic, string rpcId)
        => Fail(StatusCode.NotFound, "sfdc.platform.eventbus.grpc.subscription.topic.not.found", $"Topic {topic} not found or not accessible.", rpcId);

    private static RpcException Fail(StatusCode code, string errorCode, string message, string rpcId)
    {
        var trailers = new Metadata { { "error-code", errorCode }, { "rpc-id", rpcId } };
        return new RpcException(new Status(code, $"{message} rpcId: {rpcId}"), trailers);
    }

    private static async Task ReadCreditAsync(IAsyncStreamReader<FetchRequest> requests, string topic, CreditFlow flow, string rpcId, CancellationToken cancellationToken)
    {
        try
        {
            while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                var request = requests.Current;
                if (request.TopicName.Length > 0 && request.TopicName != topic)
                {
                    flow.Fail(Fail(StatusCode.InvalidArgument, "sfdc.platform.eventbus.grpc.subscription.fetch.topic.mismatch", $"The topic {request.TopicName} differs from the subscription's topic {topic}.", rpcId));
                    return;
                }

                flow.Add(Math.Max(0, request.NumRequested));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // the stream ended with the call
        }
    }

    private string Authenticate(ServerCallContext context)
    {
        var rpcId = string.Create(CultureInfo.InvariantCulture, $"{Guid.CreateVersion7():D}-{Interlocked.Increment(ref _rpcIds)}");
        var headers = context.RequestHeaders;
        var refusal = _emulator.AuthenticatePubSub(headers.GetValue("accesstoken"), headers.GetValue("instanceurl"), headers.GetValue("tenantid"));
        return refusal is null ? rpcId : throw Fail(StatusCode.Unauthenticated, "sfdc.platform.eventbus.grpc.service.auth.error", refusal, rpcId);
    }

    /// <summary>The subscription's credit (events the client asked for and has not received) and its wake-ups.</summary>
    private sealed class CreditFlow(int initial)
    {
        private readonly Lock _gate = new();
        private int _credit = initial;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private RpcException? _failure;

        public int Credit
        {
            get
            {
                lock (_gate)
                {
                    return _credit;
                }
            }
        }

        public Task ChangedAsync()
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }

        public void Add(int credit)
        {
            lock (_gate)
            {
                _credit = (int)Math.Min(int.MaxValue, (long)_credit + credit);
                Wake();
            }
        }

        public int Take(int delivered)
        {
            lock (_gate)
            {
                _credit -= delivered;
                return _credit;
            }
        }

        public void Fail(RpcException failure)
        {
            lock (_gate)
            {
                _failure = failure;
                Wake();
            }
        }

        public void ThrowIfFailed()
        {
            lock (_gate)
            {
                if (_failure is not null)
                {
                    throw _failure;
                }
            }
        }

        private void Wake()
        {
            var changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult();
        }
    }
}
