using Aria.CrmSync.Gateways.Http;
using Aria.CrmSync.Notifications;
using Grpc.Net.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.PubSub;

/// <summary>
/// Runs one Change Data Capture subscription per configured user (or per due Salesforce connection of the registry, see
/// <see cref="RegisteredSubscriptions"/>) while the host runs.
/// </summary>
internal sealed class SalesforcePubSubWorker(
    IOptions<SalesforcePubSubOptions> options,
    ICrmConnectionResolver connections,
    ISyncStateStore states,
    CrmTokenCache tokens,
    IEnumerable<ICrmTokenRefresher> refreshers,
    ICrmChangeNotifier notifier,
    ICrmConnectionRegistry registry,
    TimeProvider time,
    ILoggerFactory? loggers = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan, KeepAlivePingDelay = TimeSpan.FromSeconds(60), KeepAlivePingTimeout = TimeSpan.FromSeconds(30) };
        settings.ConfigureHttpHandler?.Invoke(handler);
        using var channel = GrpcChannel.ForAddress(settings.Endpoint, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        var decoder = new ChangeEventDecoder();
        var refresher = refreshers.FirstOrDefault(r => r.Provider == CrmProvider.Salesforce);
        var logger = loggers?.CreateLogger("Aria.CrmSync.SalesforcePubSub") ?? NullLogger.Instance;
        var engine = notifier as CrmChangeNotifier ?? throw new InvalidOperationException("The Salesforce Pub/Sub subscriber needs the change notifier registered by AddChangeNotifications.");
        // One subscription per channel: the records' topic, and each of the activities' topics.
        Task SubscribeAsync(string user, CancellationToken cancellationToken)
            => Task.WhenAll(
                settings.ActivityTopics.Distinct(StringComparer.Ordinal).Where(t => t != settings.Topic).Select(t => (Topic: t, Activities: true))
                    .Prepend((Topic: settings.Topic, Activities: false))
                    .Select(c => new SalesforceChangeSubscription(user, c.Topic, c.Activities, settings, channel, decoder, connections, states, tokens, refresher, engine, time, logger).RunAsync(cancellationToken)));

        if (settings.UserIds.Count == 0)
        {
            await new RegisteredSubscriptions(registry, states, settings, time, SubscribeAsync, logger).RunAsync(stoppingToken).ConfigureAwait(false);
            return;
        }

        await Task.WhenAll(settings.UserIds.Distinct(StringComparer.Ordinal).Select(user => SubscribeAsync(user, stoppingToken))).ConfigureAwait(false);
    }
}
