using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

/// <summary>
/// An org moves to another instance (a migration or a My Domain change) while the library is using it: the token
/// response's <c>instance_url</c> must take the retried call and every later one to the new address.
/// </summary>
public sealed class SalesforceInstanceMoveTests
{
    private static async Task<(SfGatewayHost Host, Uri Old, Uri New)> StartAsync(bool loopback)
    {
        var host = await SfGatewayHost.StartAsync(emulator: o => o.RecordExchanges = true, options: o => o.QueryBatchSize = 200, loopback: loopback);
        var old = host.Emulator.InstanceUrl;
        var moved = loopback
            ? (await host.Emulator.StartServerAsync()).BaseAddress // a second listener: another base address of the same org
            : new Uri("https://eu42.emulator.local");
        return (host, old, moved);
    }

    /// <summary>The hosts the data API requests of the given endpoint reached, in order.</summary>
    private static List<string> HostsOf(SfGatewayHost host, string endpoint)
        => host.Emulator.Exchanges.Where(e => e.Endpoint == endpoint).Select(e => e.Request.Header("Host")!).ToList();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnOrgMovingInTheMiddleOfAPagedRead_TheReplayAndEveryLaterCallGoToTheNewInstance(bool loopback)
    {
        var (host, old, moved) = await StartAsync(loopback);
        await using var _ = host;
        host.Seed(600);
        var original = host.Connection;
        var read = 0;

        await foreach (var page in host.Gateway.GetChangesAsync(original, null))
        {
            read += page.Records.Count;
            if (read == 200)
            {
                host.Emulator.MoveInstance(moved); // sessions end; the old host stops serving the org
            }
        }

        Assert.Equal(600, read);
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.OAuthToken)); // one refresh, no loop
        Assert.Equal([old.Authority, moved.Authority, moved.Authority], HostsOf(host, SalesforceEndpoints.QueryMore)); // refused on the old host, replayed on the new, the last page there too
        Assert.Equal(moved, host.Connection.InstanceUrl); // persisted through the resolver
        Assert.Equal(moved, host.Emulator.InstanceUrl);

        // Later calls, even with the connection object resolved before the move, use the new instance directly.
        var id = host.Org.List("Opportunity")[0]["Id"]!.ToString()!;
        Assert.NotNull(await host.Gateway.GetRecordAsync(original, id));
        Assert.Equal(moved.Authority, HostsOf(host, SalesforceEndpoints.SObjectGet).Single());
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.OAuthToken));
    }

    [Fact]
    public async Task AfterAMove_TheEngineSyncsThroughTheNewInstance_AndAStaleHostIsRefused()
    {
        var (host, old, moved) = await StartAsync(loopback: true);
        await using var _ = host;
        var opp = host.Seed(1)[0];
        await host.Leads.InsertAsync(new LeadMemory
        {
            Id = "lead-1",
            UserId = SfGatewayHost.UserId,
            CompanyName = "Acme",
            CrmProvider = CrmProvider.Salesforce,
            CrmId = opp,
            LifecycleStage = LifecycleStages.Lead,
            Status = LeadStatuses.Active,
            ExpectedValue = null, // takes the opportunity's amount
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
        });
        host.Emulator.MoveInstance(moved);

        var result = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce, new ConnectionSyncOptions { IncludeActivities = false });

        Assert.True(result.Completed, result.Reason);
        Assert.Equal(1000m, (await host.Leads.GetAsync(SfGatewayHost.UserId, "lead-1"))!.ExpectedValue);
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.OAuthToken));
        var dataCalls = host.Emulator.Exchanges.Where(e => e.Request.Path.StartsWith("/services/data/", StringComparison.Ordinal)).ToList();
        Assert.Equal(old.Authority, dataCalls[0].Request.Header("Host"));        // the first call, refused there
        Assert.Equal(401, dataCalls[0].Response.StatusCode);
        Assert.All(dataCalls.Skip(1), e => Assert.Equal(moved.Authority, e.Request.Header("Host")));
        Assert.All(dataCalls.Skip(1), e => Assert.True(e.Response.StatusCode < 400, $"{e.Endpoint} {e.Response.StatusCode}"));

        // The emulator really refuses the old host, even with a valid token.
        using var http = new HttpClient { BaseAddress = old };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", host.Connection.AccessToken);
        var stale = await http.GetAsync($"/services/data/v{SfTestVersion}/sobjects/Opportunity/{opp}");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, stale.StatusCode);
    }

    private const string SfTestVersion = "66.0";
}
