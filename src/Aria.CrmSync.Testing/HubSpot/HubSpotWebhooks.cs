using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Aria.CrmSync.Providers.HubSpot;

namespace Aria.CrmSync.Testing;

/// <summary>
/// The emulated app's webhooks: its subscriptions and the delivery of their events to the target URL over loopback
/// HTTP, as HubSpot delivers them — JSON arrays of at most 100 events signed with <c>X-HubSpot-Signature-v3</c> and
/// <c>X-HubSpot-Request-Timestamp</c>, retried with backoff after a non-2xx answer, a failed connection or a timeout
/// (<see cref="HubSpotWebhookSettings"/>). Every change of a record (through REST or the emulator's data access) raises
/// the events of the subscriptions it matches. Thread-safe; stopped when the emulator is disposed.
/// </summary>
public sealed class HubSpotWebhooks : IAsyncDisposable
{
    private readonly HubSpotEmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<HubSpotWebhookSubscription> _subscriptions = [];
    private readonly ConcurrentQueue<HubSpotWebhookAttempt> _attempts = new();
    private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Random _random;
    private readonly List<Task> _tasks = [];
    private HubSpotWebhookSettings? _settings;
    private HttpClient? _http;
    private SemaphoreSlim? _concurrency;
    private Task? _pump;
    private TaskCompletionSource _idle = Completed();
    private long _lastSubscriptionId;
    private long _lastEventId;
    private long _outstanding;
    private long _raised;
    private long _delivered;
    private long _dropped;
    private long _abandoned;

    internal HubSpotWebhooks(HubSpotEmulatorOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _random = new Random(unchecked(options.Seed * 13 + 5));
        _lastSubscriptionId = 90_000 + ((uint)options.Seed % 1000);
        _lastEventId = 800_000_000L + ((long)(uint)options.Seed % 1000L * 100_000L);
    }

    /// <summary>Gets the subscriptions.</summary>
    public IReadOnlyList<HubSpotWebhookSubscription> Subscriptions
    {
        get
        {
            lock (_gate)
            {
                return [.. _subscriptions];
            }
        }
    }

    /// <summary>Gets the requests sent so far, in the order they completed.</summary>
    public IReadOnlyCollection<HubSpotWebhookAttempt> Attempts => _attempts;

    /// <summary>Gets the number of events raised by changes (each counted once, whatever its deliveries).</summary>
    public long EventsRaised => Interlocked.Read(ref _raised);

    /// <summary>Gets the number of events delivered (answered 2xx), duplicates not counted.</summary>
    public long EventsDelivered => Interlocked.Read(ref _delivered);

    /// <summary>Gets the number of events never sent (<see cref="HubSpotWebhookSettings.DropRate"/>).</summary>
    public long EventsDropped => Interlocked.Read(ref _dropped);

    /// <summary>Gets the number of events given up after <see cref="HubSpotWebhookSettings.MaxRetries"/> failed retries.</summary>
    public long EventsAbandoned => Interlocked.Read(ref _abandoned);

    /// <summary>
    /// Sets the target URL and delivery behaviour (the app's webhook settings) and starts delivering. Events raised
    /// before a target is set are not kept (HubSpot sends nothing to an app without a target URL).
    /// </summary>
    /// <param name="settings">The settings.</param>
    /// <exception cref="ArgumentException">The target is not a loopback http(s) URL, or a setting is out of range.</exception>
    /// <exception cref="InvalidOperationException">A target was already set.</exception>
    public void Start(HubSpotWebhookSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        lock (_gate)
        {
            if (_settings is not null)
            {
                throw new InvalidOperationException("The webhook target is already set.");
            }

            _settings = settings;
            _concurrency = new SemaphoreSlim(settings.MaxConcurrentRequests);
            _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
            _pump = Task.Run(() => PumpAsync(settings, _stop.Token), CancellationToken.None);
        }
    }

    /// <summary>Subscribes the app to an event type.</summary>
    /// <param name="eventType">The event type: <c>{object}.creation|deletion|propertyChange|associationChange|merge</c> (e.g. <c>deal.propertyChange</c>) or generic <c>object.*</c> with <paramref name="objectTypeId"/>.</param>
    /// <param name="propertyName">The property, required for <c>propertyChange</c>.</param>
    /// <param name="objectTypeId">The object type id of a generic <c>object.*</c> subscription (e.g. <c>0-3</c> for deals).</param>
    /// <returns>The subscription.</returns>
    /// <exception cref="ArgumentException">The event type is malformed, or a property change names no property.</exception>
    public HubSpotWebhookSubscription Subscribe(string eventType, string? propertyName = null, string? objectTypeId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventType);
        var dot = eventType.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == eventType.Length - 1)
        {
            throw new ArgumentException($"'{eventType}' is not an event type such as deal.propertyChange.", nameof(eventType));
        }

        if (eventType.EndsWith(".propertyChange", StringComparison.Ordinal) && string.IsNullOrEmpty(propertyName))
        {
            throw new ArgumentException("A propertyChange subscription names its property.", nameof(propertyName));
        }

        if (eventType.StartsWith("object.", StringComparison.Ordinal) && string.IsNullOrEmpty(objectTypeId))
        {
            throw new ArgumentException("A generic object.* subscription names its objectTypeId.", nameof(objectTypeId));
        }

        lock (_gate)
        {
            var subscription = new HubSpotWebhookSubscription(++_lastSubscriptionId, eventType, propertyName, objectTypeId);
            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Removes a subscription.</summary>
    /// <param name="id">The subscription id.</param>
    /// <returns><see langword="true"/> when it existed.</returns>
    public bool Unsubscribe(long id)
    {
        lock (_gate)
        {
            return _subscriptions.RemoveAll(s => s.Id == id) > 0;
        }
    }

    /// <summary>Waits until every raised event was delivered, dropped or abandoned (retries included).</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when nothing is pending.</returns>
    public Task WaitIdleAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _events.Writer.TryComplete();
        Task[] tasks;
        lock (_gate)
        {
            tasks = [.. _tasks, .. _pump is null ? Array.Empty<Task>() : [_pump]];
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopped mid-delivery
        }

        _http?.Dispose();
        _concurrency?.Dispose();
        _stop.Dispose();
        lock (_gate)
        {
            _idle.TrySetResult();
        }
    }

    /// <summary>Raises the events of a change for the subscriptions it matches (called under the emulator's lock).</summary>
    internal void Raise(string singular, string objectTypeId, string action, DateTimeOffset occurredAt, string changeSource, Action<JsonObject> fill, string? propertyName = null)
    {
        List<HubSpotWebhookSubscription> matches;
        lock (_gate)
        {
            if (_settings is null || _stop.IsCancellationRequested)
            {
                return;
            }

            matches = _subscriptions.Where(s =>
                (s.EventType == singular + "." + action || (s.EventType == "object." + action && s.ObjectTypeId == objectTypeId))
                && (action != "propertyChange" || s.PropertyName == propertyName)).ToList();
        }

        foreach (var subscription in matches)
        {
            var e = new JsonObject
            {
                ["eventId"] = Interlocked.Increment(ref _lastEventId),
                ["subscriptionId"] = subscription.Id,
                ["portalId"] = _options.PortalId,
                ["appId"] = _options.AppId,
                ["occurredAt"] = occurredAt.ToUnixTimeMilliseconds(),
                ["subscriptionType"] = subscription.EventType,
                ["attemptNumber"] = 0,
            };
            if (subscription.ObjectTypeId is not null)
            {
                e["objectTypeId"] = subscription.ObjectTypeId;
            }

            fill(e);
            e["changeSource"] = changeSource;
            Interlocked.Increment(ref _raised);
            AddOutstanding(1);
            if (!_events.Writer.TryWrite(e))
            {
                AddOutstanding(-1);
            }
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    private void AddOutstanding(long delta)
    {
        lock (_gate)
        {
            _outstanding += delta;
            if (_outstanding > 0 && _idle.Task.IsCompleted)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            else if (_outstanding == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    private double NextDouble()
    {
        lock (_gate)
        {
            return _random.NextDouble();
        }
    }

    private async Task PumpAsync(HubSpotWebhookSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            var reader = _events.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (settings.BatchWindow > TimeSpan.Zero)
                {
                    await Task.Delay(settings.BatchWindow, _time, cancellationToken).ConfigureAwait(false);
                }

                while (true)
                {
                    var batch = new List<JsonObject>(settings.MaxEventsPerRequest);
                    while (batch.Count < settings.MaxEventsPerRequest && reader.TryRead(out var e))
                    {
                        batch.Add(e);
                    }

                    if (batch.Count == 0)
                    {
                        break;
                    }

                    await _concurrency!.WaitAsync(cancellationToken).ConfigureAwait(false);
                    Track(DeliverAsync(settings, batch, cancellationToken));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // disposed
        }
    }

    private void Track(Task task)
    {
        lock (_gate)
        {
            _tasks.RemoveAll(t => t.IsCompleted);
            _tasks.Add(task);
        }
    }

    /// <summary>Delivers one batch: its first attempt, then the retries HubSpot would make, then an optional duplicate.</summary>
    private async Task DeliverAsync(HubSpotWebhookSettings settings, List<JsonObject> batch, CancellationToken cancellationToken)
    {
        var released = false;
        try
        {
            if (NextDouble() < settings.DropRate)
            {
                Interlocked.Add(ref _dropped, batch.Count);
                return;
            }

            if (settings.OutOfOrder)
            {
                lock (_gate)
                {
                    _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batch));
                }

                await Task.Delay(settings.OutOfOrderMaxDelay * NextDouble(), _time, cancellationToken).ConfigureAwait(false);
            }

            for (var attempt = 0; ; attempt++)
            {
                var status = await SendAsync(settings, batch, attempt, duplicate: false, cancellationToken).ConfigureAwait(false);
                if (status is >= 200 and < 300)
                {
                    Interlocked.Add(ref _delivered, batch.Count);
                    break;
                }

                if (attempt >= settings.MaxRetries)
                {
                    Interlocked.Add(ref _abandoned, batch.Count);
                    return;
                }

                if (!released)
                {
                    _concurrency!.Release(); // a batch waiting for its retry holds no request slot
                    released = true;
                }

                // HubSpot: exponential backoff on the next attemptNumber (2 min, 4 min, 8 min, … by default).
                await Task.Delay(settings.RetryBaseDelay * Math.Pow(2, attempt), _time, cancellationToken).ConfigureAwait(false);
            }

            if (NextDouble() < settings.DuplicateRate)
            {
                await SendAsync(settings, batch, 0, duplicate: true, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // disposed
        }
        finally
        {
            if (!released)
            {
                ReleaseSlot();
            }

            AddOutstanding(-batch.Count);
        }
    }

    private void ReleaseSlot()
    {
        try
        {
            _concurrency!.Release();
        }
        catch (ObjectDisposedException)
        {
            // disposed while the last request ended
        }
    }

    private async Task<int?> SendAsync(HubSpotWebhookSettings settings, List<JsonObject> batch, int attempt, bool duplicate, CancellationToken cancellationToken)
    {
        var array = new JsonArray();
        foreach (var e in batch)
        {
            var copy = (JsonObject)e.DeepClone();
            copy["attemptNumber"] = attempt;
            array.Add(copy);
        }

        var body = Encoding.UTF8.GetBytes(array.ToJsonString());
        var sentAt = _time.GetUtcNow();
        var timestamp = sentAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var uri = settings.TargetUrl.AbsoluteUri;
        var signature = Convert.ToBase64String(HubSpotWebhookSignature.ComputeV3(settings.ClientSecret ?? _options.ClientSecret, "POST", uri, body, timestamp));
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.TargetUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("X-HubSpot-Signature-v3", signature);
        request.Headers.TryAddWithoutValidation("X-HubSpot-Request-Timestamp", timestamp);
        request.Headers.UserAgent.ParseAdd("HubSpot-Webhooks-Emulator/1.0");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.RequestTimeout);
        int? status;
        try
        {
            using var response = await _http!.SendAsync(request, timeout.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            status = null; // connection failed or timed out: retried
        }

        _attempts.Enqueue(new HubSpotWebhookAttempt(sentAt, attempt, [.. batch.Select(e => e["eventId"]!.GetValue<long>())], status, duplicate));
        return status;
    }
}
