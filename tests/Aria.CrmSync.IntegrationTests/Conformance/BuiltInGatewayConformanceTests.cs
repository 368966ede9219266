using System.Net;
using Aria.CrmSync.IntegrationTests.HubSpot.Gateway;
using Aria.CrmSync.IntegrationTests.Salesforce.Gateway;
using Aria.CrmSync.Testing;
using Aria.CrmSync.Testing.Conformance;

namespace Aria.CrmSync.IntegrationTests.Conformance;

// The built-in gateways pass the public conformance suite (Aria.CrmSync.Testing.Conformance) against their emulators,
// directly and with the connection brokered by the Composio emulator.

public class HubSpotConformanceTests : CrmGatewayConformanceTests
{
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    protected override async Task<CrmGatewayUnderTest> CreateGatewayAsync()
    {
        // A short rate-limit interval: the gateway's three 429 retries wait for it (X-HubSpot-RateLimit-Interval-Milliseconds).
        var host = await HubSpotGatewayHost.StartAsync(o => o.RateLimitInterval = TimeSpan.FromMilliseconds(100), inProcess: true, transport: Transport);
        return new CrmGatewayUnderTest
        {
            Gateway = host.CrmGateway,
            Connection = host.Connection,
            RejectedConnection = Rejected(host.Connection),
            Control = new HubSpotControl(host.Emulator),
            Owner = host,
        };
    }

    internal sealed class HubSpotControl(HubSpotEmulator emulator) : ICrmConformanceControl
    {
        public string MissingRecordId => "987654321987";

        public Task<string> SeedRecordAsync(string name, CancellationToken cancellationToken)
            => Task.FromResult(emulator.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = name, ["dealstage"] = "appointmentscheduled", ["pipeline"] = "default" }).Id);

        public Task EditRecordNameAsync(string crmId, string name, CancellationToken cancellationToken)
        {
            // hs_lastmodifieddate has milliseconds on the wire: the edit lands at least one millisecond after what was read.
            var before = emulator.GetObject("deals", crmId)!.UpdatedAt;
            var floor = before.AddTicks(-(before.Ticks % TimeSpan.TicksPerMillisecond)).AddMilliseconds(1);
            var now = DateTimeOffset.UtcNow;
            emulator.UpdateObject("deals", crmId, new Dictionary<string, string?> { ["dealname"] = name }, lastModified: now >= floor ? now : floor);
            return Task.CompletedTask;
        }

        public Task<CrmConformanceRecord?> ReadRecordAsync(string crmId, CancellationToken cancellationToken)
        {
            if (emulator.GetObject("deals", crmId) is not { Archived: false } deal)
            {
                return Task.FromResult<CrmConformanceRecord?>(null);
            }

            var notes = emulator.GetAssociations("deals", crmId, "notes")
                .Select(a => emulator.GetObject("notes", a.ToObjectId)?["hs_note_body"])
                .OfType<string>()
                .ToList();
            return Task.FromResult<CrmConformanceRecord?>(new CrmConformanceRecord(deal["dealname"] ?? string.Empty, notes));
        }

        public Task<string> SeedActivityAsync(string crmId, string subject, CancellationToken cancellationToken)
        {
            var call = emulator.InsertObject("calls", new Dictionary<string, string?> { ["hs_call_title"] = subject, ["hs_timestamp"] = "2026-03-02T09:00:00Z" }).Id;
            emulator.Associate("calls", call, "deals", crmId, 206);
            return Task.FromResult(call);
        }

        public void InjectFault(CrmConformanceFault fault, int count) => Inject(emulator, fault, count);
    }

    internal static void Inject(CrmEmulator emulator, CrmConformanceFault fault, int count)
    {
        if (count == 0)
        {
            emulator.Faults.Reset();
            return;
        }

        emulator.Faults.FailNext(fault == CrmConformanceFault.RateLimited ? FaultKind.RateLimited : FaultKind.ServerError, count: count);
    }

    /// <summary>The same CRM user's connection with a revoked access token (a brokered one: an account Composio does not know).</summary>
    internal static CrmConnection Rejected(CrmConnection connection)
        => connection.CredentialKind == CrmCredentialKind.Brokered
            ? connection with { UserId = "conformance-rejected", BrokerAccountId = "ca_revoked_conformance" }
            : connection with { UserId = "conformance-rejected", AccessToken = "revoked-conformance-token", RefreshToken = null };
}

public sealed class HubSpotViaComposioConformanceTests : HubSpotConformanceTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}

public class SalesforceConformanceTests : CrmGatewayConformanceTests
{
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    protected override async Task<CrmGatewayUnderTest> CreateGatewayAsync()
    {
        var host = await SfGatewayHost.StartAsync(loopback: false, transport: Transport);
        return new CrmGatewayUnderTest
        {
            Gateway = host.Gateway,
            Connection = host.Connection,
            RejectedConnection = HubSpotConformanceTests.Rejected(host.Connection),
            Control = new SalesforceControl(host.Emulator),
            Owner = host,
        };
    }

    internal sealed class SalesforceControl(SalesforceEmulator emulator) : ICrmConformanceControl
    {
        private SalesforceOrg Org => emulator.Org;

        public string MissingRecordId => "006000000000999AAA";

        public Task<string> SeedRecordAsync(string name, CancellationToken cancellationToken)
            => Task.FromResult(Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = name, ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 6, 30) }));

        public Task EditRecordNameAsync(string crmId, string name, CancellationToken cancellationToken)
        {
            // Modstamps are whole seconds: a person's edit in the second the gateway read still lands after it.
            var before = (DateTimeOffset)Org.Get("Opportunity", crmId)!["SystemModstamp"]!;
            var now = DateTimeOffset.UtcNow;
            var stamp = now >= before.AddSeconds(1) ? now : before.AddSeconds(1);
            Org.Update("Opportunity", crmId, new Dictionary<string, object?> { ["Name"] = name, ["SystemModstamp"] = stamp, ["LastModifiedDate"] = stamp });
            return Task.CompletedTask;
        }

        public Task<CrmConformanceRecord?> ReadRecordAsync(string crmId, CancellationToken cancellationToken)
        {
            if (Org.Get("Opportunity", crmId) is not { } opportunity)
            {
                return Task.FromResult<CrmConformanceRecord?>(null);
            }

            var notes = Org.List("ContentDocumentLink")
                .Where(l => Equals(l["LinkedEntityId"], crmId))
                .Select(l => Org.Get("ContentNote", (string)l["ContentDocumentId"]!))
                .OfType<IReadOnlyDictionary<string, object?>>()
                .Select(n => $"{n["Title"]} {WebUtility.HtmlDecode(n["Content"] as string)}")
                .Concat(Org.List("Note").Where(n => Equals(n["ParentId"], crmId)).Select(n => $"{n["Title"]} {n["Body"]}"))
                .ToList();
            return Task.FromResult<CrmConformanceRecord?>(new CrmConformanceRecord((string)opportunity["Name"]!, notes));
        }

        public Task<string> SeedActivityAsync(string crmId, string subject, CancellationToken cancellationToken)
            => Task.FromResult(Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = crmId, ["Subject"] = subject, ["TaskSubtype"] = "Call", ["Status"] = "Completed" }));

        public void InjectFault(CrmConformanceFault fault, int count) => HubSpotConformanceTests.Inject(emulator, fault, count);
    }
}

public sealed class SalesforceViaComposioConformanceTests : SalesforceConformanceTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}
