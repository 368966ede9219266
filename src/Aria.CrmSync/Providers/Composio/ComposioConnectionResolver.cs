using Aria.CrmSync.Serialization;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync;

/// <summary>
/// Resolves (user, CRM) to a <see cref="CrmCredentialKind.Brokered"/> connection through the user's Composio connected
/// account: first <see cref="ComposioOptions.ConnectedAccounts"/>, then each registered
/// <see cref="IComposioConnectedAccountSource"/>. The library never holds the CRM tokens, so there is nothing to
/// refresh or save: Composio refreshes them itself.
/// </summary>
public sealed class ComposioConnectionResolver : ICrmConnectionResolver
{
    private readonly IOptionsMonitor<ComposioOptions> _options;
    private readonly IComposioConnectedAccountSource[] _sources;
    private readonly CrmProviderCatalog _providers;

    /// <summary>Initializes a new instance of the <see cref="ComposioConnectionResolver"/> class.</summary>
    /// <param name="options">The Composio options (their <see cref="ComposioOptions.ConnectedAccounts"/>).</param>
    /// <param name="sources">The host's sources of connected accounts, asked in order.</param>
    public ComposioConnectionResolver(IOptionsMonitor<ComposioOptions> options, IEnumerable<IComposioConnectedAccountSource> sources)
        : this(options, sources, CrmProviderCatalog.WellKnown)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ComposioConnectionResolver"/> class.</summary>
    /// <param name="options">The Composio options (their <see cref="ComposioOptions.ConnectedAccounts"/>).</param>
    /// <param name="sources">The host's sources of connected accounts, asked in order.</param>
    /// <param name="providers">The known CRMs: a CRM with <see cref="CrmProviderCapabilities.InstanceUrlPerConnection"/> gets a placeholder instance URL when its account names none.</param>
    public ComposioConnectionResolver(IOptionsMonitor<ComposioOptions> options, IEnumerable<IComposioConnectedAccountSource> sources, CrmProviderCatalog providers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(providers);
        _options = options;
        _sources = [.. sources];
        _providers = providers;
    }

    /// <inheritdoc />
    /// <exception cref="CrmConnectionException">
    /// The user has no connected account for that CRM (<see cref="CrmConnectionException.RequiresReauthorization"/>:
    /// the user must connect it).
    /// </exception>
    public async ValueTask<CrmConnection> ResolveAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var account = _options.CurrentValue.ConnectedAccounts.LastOrDefault(a => a.Provider == provider && string.Equals(a.UserId, userId, StringComparison.Ordinal));
        foreach (var source in _sources)
        {
            if (account is not null)
            {
                break;
            }

            account = await source.FindAsync(userId, provider, cancellationToken).ConfigureAwait(false);
        }

        if (account is null || string.IsNullOrWhiteSpace(account.ConnectedAccountId))
        {
            throw new CrmConnectionException(provider, $"User '{userId}' has no Composio connected account for {WireValue.Format(provider)}; the user must connect it", requiresReauthorization: true);
        }

        return new CrmConnection
        {
            UserId = userId,
            Provider = provider,
            CredentialKind = CrmCredentialKind.Brokered,
            BrokerAccountId = account.ConnectedAccountId.Trim(),
            InstanceUrl = account.InstanceUrl
                ?? (_providers.TryGet(provider, out var descriptor) && descriptor.Supports(CrmProviderCapabilities.InstanceUrlPerConnection) ? PlaceholderInstanceUrl(provider, account.ConnectedAccountId) : null),
            OptionsName = account.OptionsName ?? string.Empty,
        };
    }

    /// <summary>
    /// The instance URL of a connection to a CRM with a host per connection (<see cref="CrmProviderCapabilities.InstanceUrlPerConnection"/>,
    /// as Salesforce) whose account names none: <c>https://{account}.{provider}.composio.invalid</c>.
    /// It never resolves (<c>.invalid</c>): with relative proxy endpoints only the path reaches Composio, which calls
    /// the org it connected. One host per account keeps one circuit breaker per org, as for direct connections.
    /// </summary>
    internal static Uri PlaceholderInstanceUrl(CrmProvider provider, string connectedAccountId)
    {
        var label = new string([.. connectedAccountId.Trim().ToLowerInvariant().Select(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '-')]).Trim('-');
        label = label.Length > 63 ? label[..63].TrimEnd('-') : label;
        return new Uri($"https://{(label.Length == 0 ? "account" : label)}.{provider.Value.Replace('_', '-')}.composio.invalid");
    }

    /// <inheritdoc />
    /// <remarks>Brokered connections are never refreshed by the library; nothing is stored.</remarks>
    public ValueTask SaveTokensAsync(CrmConnection connection, CrmTokenSet tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(tokens);
        return ValueTask.CompletedTask;
    }
}
