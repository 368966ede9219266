using System.Text;
using System.Text.Json;
using Aria.CrmSync.IntegrationTests.HubSpot.Gateway;
using Aria.CrmSync.IntegrationTests.Salesforce.Gateway;
using CsvHelper;

namespace Aria.CrmSync.IntegrationTests.Security;

/// <summary>
/// Values built to break a query or a spreadsheet (SOQL and HubSpot search metacharacters, CSV formula prefixes,
/// quotes, newlines, non-BMP characters) travel from both CRMs into ARIA unchanged, never widen a lookup (a note
/// looked up by an idempotency key full of metacharacters finds exactly its own note), and keep the audit exports'
/// structure: the CSV and JSON read back give the same rows and values.
/// </summary>
public sealed class InjectionRoundTripTests
{
    private static readonly string[] Values =
    [
        "O'Brien \\' OR Id != null",
        "50% _off_ ' OR '1'='1",
        "\" OR 1=1 -- ; DROP TABLE x",
        "deal* AND dealname:\"x\" OR hs_object_id > 0",
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1+1)",
        "\t=1+1",
        "\r=1+1",
        "line 1\nline 2\r\nline 3",
        "emoji 😀 𝔘 𝄞 ÆØÅ",
    ];

    public static TheoryData<string> Payloads => new(Values);

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task CrmActivityText_ReachesAriaUnchanged_FromBothCrms(string payload)
    {
        var subject = payload.ReplaceLineEndings(" "); // subjects are one line in both CRMs
        await using var sf = await SfGatewayHost.StartAsync(loopback: false);
        var opp = sf.Seed(1)[0];
        sf.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = opp, ["Subject"] = subject, ["Description"] = payload, ["Status"] = "Completed" });
        await using var hs = await HubSpotGatewayHost.StartAsync(inProcess: true);
        var deal = hs.InsertDeal("Deal");
        HubSpotActivityTests.Engage(hs, "tasks", deal, 216, DateTimeOffset.UtcNow.AddMinutes(-5), new() { ["hs_task_subject"] = subject, ["hs_task_body"] = payload, ["hs_task_status"] = "COMPLETED" });

        var fromSalesforce = Assert.Single(await sf.Gateway.GetActivitiesAsync(sf.Connection, opp).ToListAsync());
        var fromHubSpot = Assert.Single(await hs.CrmGateway.GetActivitiesAsync(hs.Connection, deal).ToListAsync());

        Assert.Equal(subject, fromSalesforce.Subject);
        Assert.Equal(payload, fromSalesforce.Body);
        Assert.Equal(subject.Trim(), fromHubSpot.Subject); // the HubSpot gateway trims subjects (its UI pads them); bodies stay exact
        Assert.Equal(payload.Trim(), fromHubSpot.Body); // HubSpot bodies are HTML, read back as trimmed text
    }

    [Theory]
    [InlineData("aria-o'brien", "aria-o")]
    [InlineData("aria-50%", "aria-50")]
    [InlineData("aria-a_c", "aria-abc")]
    [InlineData("aria-x\\y", "aria-x")]
    [InlineData("aria-k' OR Id != null OR Title = '", "aria-k")]
    [InlineData("aria-deal*", "aria-deal")]
    [InlineData("aria-\"quoted\" OR x", "aria-\"quoted\"")]
    public async Task NoteLookupByAKeyWithMetacharacters_FindsExactlyItsOwnNote(string key, string lookalike)
    {
        await using var sf = await SfGatewayHost.StartAsync(loopback: false);
        var opp = sf.Seed(1)[0];
        await using var hs = await HubSpotGatewayHost.StartAsync(inProcess: true);
        var deal = hs.InsertDeal("Deal");

        foreach (var (gateway, connection, crmId) in new[] { (sf.Gateway, sf.Connection, opp), (hs.CrmGateway, hs.Connection, deal) })
        {
            var written = Assert.Single(await gateway.CreateNotesAsync(connection, [new CrmNoteRequest { IdempotencyKey = key, CrmId = crmId, Text = "[ARIA] " + key }]));
            var other = Assert.Single(await gateway.CreateNotesAsync(connection, [new CrmNoteRequest { IdempotencyKey = lookalike, CrmId = crmId, Text = "[ARIA] other", MayExist = true }]));
            var again = Assert.Single(await gateway.CreateNotesAsync(connection, [new CrmNoteRequest { IdempotencyKey = key, CrmId = crmId, Text = "[ARIA] " + key, MayExist = true }]));

            Assert.True(written.Success, written.ErrorMessage);
            Assert.True(other.Success, other.ErrorMessage);
            Assert.False(other.AlreadyExisted); // the look-alike key did not match the first note
            Assert.NotEqual(written.NoteId, other.NoteId);
            Assert.True(again.AlreadyExisted); // the key itself finds exactly its note
            Assert.Equal(written.NoteId, again.NoteId);
        }
    }

    [Fact]
    public async Task AuditExports_KeepStructureAndValues_ForEveryPayload()
    {
        await using var hs = await HubSpotGatewayHost.StartAsync(inProcess: true);
        var payloads = Values.Append(new string('x', 100_000) + "😀").ToList();
        foreach (var payload in payloads)
        {
            // Ids hold no control characters and at most 256 characters; the payload goes whole into the text fields.
            var leadId = new string([.. payload.Where(c => !char.IsControl(c)).Take(200)]);
            await hs.Audit.LogSyncOperationAsync(HubSpotGatewayHost.UserId, leadId, CrmAuditOperation.Error, CrmProvider.HubSpot, false, new Dictionary<string, object?> { ["value"] = payload }, payload);
        }

        var entries = (await hs.Audit.QueryAuditLogAsync(new AuditQuery { UserId = HubSpotGatewayHost.UserId, Limit = null })).ToDictionary(e => e.Id);
        var json = await ExportAsync(hs.Audit, AuditExportFormat.Json);
        var csv = await ExportAsync(hs.Audit, AuditExportFormat.Csv);

        using var document = JsonDocument.Parse(json);
        var jsonRows = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(payloads.Count, jsonRows.Count);
        foreach (var row in jsonRows)
        {
            var entry = entries[row.GetProperty("id").GetString()!];
            Assert.Equal(entry.ErrorMessage, row.GetProperty("error_message").GetString());
            Assert.Equal(entry.LeadMemoryId, row.GetProperty("lead_memory_id").GetString());
            Assert.Equal(entry.ErrorMessage, row.GetProperty("details").GetProperty("value").GetString());
        }

        var csvRows = ReadCsv(csv);
        Assert.Equal(payloads.Count + 1, csvRows.Count);
        foreach (var row in csvRows.Skip(1))
        {
            Assert.Equal(9, row.Length);
            var entry = entries[row[0]];
            Assert.Equal(Spreadsheet(entry.ErrorMessage!), row[7]);
            Assert.Equal(Spreadsheet(entry.LeadMemoryId!), row[2]);
            Assert.Equal(entry.ErrorMessage, JsonDocument.Parse(row[6]).RootElement.GetProperty("value").GetString()); // details: JSON, payload intact
        }
    }

    /// <summary>What the CSV export writes for a cell: formula-like cells get a leading apostrophe (docs/security.md).</summary>
    private static string Spreadsheet(string value) => value.Length > 0 && "=+-@\t\r".Contains(value[0], StringComparison.Ordinal) ? "'" + value : value;

    private static async Task<string> ExportAsync(ICrmAuditService audit, AuditExportFormat format)
    {
        using var stream = new MemoryStream();
        await audit.ExportAuditLogAsync(new AuditExportRequest { UserId = HubSpotGatewayHost.UserId, Format = format }, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static List<string[]> ReadCsv(string csv)
    {
        var rows = new List<string[]>();
        using var reader = CsvReader.Create(new MemoryStream(Encoding.UTF8.GetBytes(csv)), CsvReaderOptions.Default with { HasHeader = false });
        while (reader.Read())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray());
        }

        return rows;
    }
}
