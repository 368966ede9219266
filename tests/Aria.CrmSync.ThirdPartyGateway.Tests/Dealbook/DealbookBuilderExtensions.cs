using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aria.CrmSync.Gateways.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Aria.CrmSync.ThirdPartyGateway.Tests.Dealbook;

/// <summary>The options of the Dealbook gateway.</summary>
public sealed class DealbookOptions
{
    public const string HttpClientName = "Aria.CrmSync.Dealbook";

    public Uri BaseAddress { get; set; } = new("https://api.dealbook.test/");

    public CrmRateLimits RateLimits { get; set; } = new() { RequestsPerWindow = 80, Window = TimeSpan.FromSeconds(2) };

    /// <summary>Gets or sets how many times a 429 is answered by waiting for its Retry-After and sending again.</summary>
    public int MaxRateLimitRetries { get; set; } = 2;
}

/// <summary>How a third party registers its gateway: descriptor, named client from the toolkit, token refresher.</summary>
public static class DealbookBuilderExtensions
{
    public static readonly CrmProvider Dealbook = new("dealbook");

    public static IAriaCrmSyncBuilder AddDealbook(this IAriaCrmSyncBuilder builder, Action<DealbookOptions> configure)
    {
        builder.Services.Configure(configure);
        builder.Services.AddCrmHttpClient(DealbookOptions.HttpClientName);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ICrmTokenRefresher, DealbookTokenRefresher>());
        return builder.AddGateway<DealbookGateway>(new CrmProviderDescriptor
        {
            Provider = Dealbook,
            DisplayName = "Dealbook",
            RecordName = "Dealbook deal",
            RegistrationHint = "AddDealbook(...)",
            DefaultStageMap = () =>
            {
                var map = new CrmStageMap { WonStage = "won", LostStage = "lost" };
                map.ToLeadStage["qualified"] = LifecycleStages.Lead;
                map.ToLeadStage["negotiation"] = LifecycleStages.Opportunity;
                map.ToCrmStage[LifecycleStages.Lead] = "qualified";
                map.ToCrmStage[LifecycleStages.Opportunity] = "negotiation";
                return map;
            },
            MaxReadBatchSize = DealbookServer.MaxBatch,
            MaxUpdateBatchSize = DealbookServer.MaxBatch,
            Capabilities = CrmProviderCapabilities.Notes | CrmProviderCapabilities.Activities,
        });
    }
}

/// <summary>Dealbook's OAuth refresh (<c>POST /oauth/token</c>, <c>grant_type=refresh_token</c>), through the same named client.</summary>
public sealed class DealbookTokenRefresher(IHttpClientFactory clients, Microsoft.Extensions.Options.IOptionsMonitor<DealbookOptions> options) : ICrmTokenRefresher
{
    public CrmProvider Provider => DealbookBuilderExtensions.Dealbook;

    public ValueTask<bool> IsTokenRejectedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        => ValueTask.FromResult(response.StatusCode == HttpStatusCode.Unauthorized);

    public async Task<CrmTokenSet> RefreshAsync(CrmConnection connection, string refreshToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.CurrentValue.BaseAddress, "oauth/token"))
        {
            Content = new FormUrlEncodedContent([new("grant_type", "refresh_token"), new("refresh_token", refreshToken)]),
        };
        request.WithConnection(connection, "dealbook.oauth.token", idempotent: false);
        request.Options.Set(CrmHttpRequestOptions.Anonymous, true); // its own credentials: no bearer, no refresh on its answer
        using var response = await clients.CreateClient(DealbookOptions.HttpClientName).SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new CrmConnectionException(Provider, $"Dealbook refused to refresh the token of connection '{connection.ConnectionKey}' (HTTP {(int)response.StatusCode}); the user must connect again", requiresReauthorization: true);
        }

        try
        {
            var tokens = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
            return new CrmTokenSet { AccessToken = tokens.GetProperty("access_token").GetString()! };
        }
        catch (JsonException ex)
        {
            throw new CrmSyncDataException("Dealbook returned an unreadable token response", "dealbook.oauth.token", Provider, ex);
        }
    }
}
