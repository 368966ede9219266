using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.Testing;

/// <summary>
/// Wires an in-process emulator into a host built with <c>AddAriaCrmSync()</c>: the gateway's options point at the
/// emulator and its named <see cref="HttpClient"/> sends every request to <see cref="CrmEmulator.CreateHandler"/>, so
/// nothing goes to the network. The connections (tokens) still come from the host's resolver or registry, e.g.
/// <c>UseInMemoryConnections</c> with <see cref="SalesforceEmulator.IssueTokens"/> or
/// <see cref="HubSpotEmulator.CreatePrivateAppToken"/>.
/// </summary>
public static class EmulatorAriaCrmSyncBuilderExtensions
{
    /// <summary>
    /// Adds the Salesforce gateway (<c>AddSalesforce</c>) configured with the emulator's connected app (client id and
    /// secret) and its base address as the login URL, and routes <see cref="SalesforceOptions.HttpClientName"/> to the
    /// emulator's in-process handler.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddAriaCrmSync()</c>.</param>
    /// <param name="emulator">The emulator; it must outlive the host.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="emulator"/> is null.</exception>
    public static IAriaCrmSyncBuilder AddSalesforceEmulator(this IAriaCrmSyncBuilder builder, SalesforceEmulator emulator)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(emulator);
        builder.AddSalesforce(o =>
        {
            o.ClientId = emulator.Options.ClientId;
            o.ClientSecret = emulator.Options.ClientSecret;
            o.LoginUrl = emulator.BaseAddress;
        });
        builder.Services.AddHttpClient(SalesforceOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(emulator.CreateHandler);
        return builder;
    }

    /// <summary>
    /// Adds the HubSpot gateway (<c>AddHubSpot</c>) with the emulator's base address and routes
    /// <see cref="HubSpotOptions.HttpClientName"/> to the emulator's in-process handler.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddAriaCrmSync()</c>.</param>
    /// <param name="emulator">The emulator; it must outlive the host.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="emulator"/> is null.</exception>
    public static IAriaCrmSyncBuilder AddHubSpotEmulator(this IAriaCrmSyncBuilder builder, HubSpotEmulator emulator)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(emulator);
        builder.AddHubSpot(o =>
        {
            o.BaseAddress = emulator.BaseAddress;
            o.ClientId = emulator.Options.ClientId;
            o.ClientSecret = emulator.Options.ClientSecret;
        });
        builder.Services.AddHttpClient(HubSpotOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(emulator.CreateHandler);
        return builder;
    }
}
