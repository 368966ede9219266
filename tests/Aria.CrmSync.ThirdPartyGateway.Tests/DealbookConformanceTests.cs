using System.Net;
using Aria.CrmSync.Testing.Conformance;
using Aria.CrmSync.ThirdPartyGateway.Tests.Dealbook;

namespace Aria.CrmSync.ThirdPartyGateway.Tests;

/// <summary>The third gateway passes the same conformance suite as the built-in ones (its change pages hold two deals, so paging is checked).</summary>
public sealed class DealbookConformanceTests : CrmGatewayConformanceTests
{
    protected override Task<CrmGatewayUnderTest> CreateGatewayAsync()
    {
        var host = DealbookHost.Start(gateway: o => o.MaxRateLimitRetries = 1);
        return Task.FromResult(new CrmGatewayUnderTest
        {
            Gateway = host.Gateway,
            Connection = host.Connection,
            RejectedConnection = host.Connection with { UserId = "dealbook-rejected", AccessToken = "at-revoked", RefreshToken = "rt-revoked" },
            Control = new DealbookControl(host.Server),
            Owner = host,
        });
    }

    private sealed class DealbookControl(DealbookServer server) : ICrmConformanceControl
    {
        public string MissingRecordId => "dl-999999";

        public Task<string> SeedRecordAsync(string name, CancellationToken cancellationToken) => Task.FromResult(server.AddDeal(name));

        public Task EditRecordNameAsync(string crmId, string name, CancellationToken cancellationToken)
        {
            server.EditDeal(crmId, title: name);
            return Task.CompletedTask;
        }

        public Task<CrmConformanceRecord?> ReadRecordAsync(string crmId, CancellationToken cancellationToken)
            => Task.FromResult(server.GetDeal(crmId) is { } deal ? new CrmConformanceRecord(deal.Title, server.NotesOf(crmId)) : null);

        public Task<string> SeedActivityAsync(string crmId, string subject, CancellationToken cancellationToken)
            => Task.FromResult(server.AddActivity(crmId, subject));

        public void InjectFault(CrmConformanceFault fault, int count)
        {
            if (count == 0)
            {
                server.ClearFaults();
                return;
            }

            server.InjectFault(fault == CrmConformanceFault.RateLimited ? HttpStatusCode.TooManyRequests : HttpStatusCode.InternalServerError, count, fault == CrmConformanceFault.RateLimited ? TimeSpan.FromSeconds(1) : null);
        }
    }
}
