using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Aria.CrmSync.Testing.Salesforce;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

public sealed partial class SalesforceSObjectTests
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")]
    private static partial Regex WireDateTime();

    [Theory]
    [InlineData("001D000000IqhSL", "001D000000IqhSLIAZ")]
    [InlineData("0015f00002J9YYE", "0015f00002J9YYEAA3")]
    [InlineData("003RO0000035WQg", "003RO0000035WQgYAM")]
    [InlineData("a00D0000008pQR5", "a00D0000008pQR5IAM")]
    [InlineData("500i000000171NZ", "500i000000171NZAAY")]
    public void IdChecksum_MatchesRealSalesforceIds(string id15, string id18)
    {
        Assert.Equal(id18, SfIds.To18(id15));
        Assert.Equal(id18, SfIds.Normalize(id15));
        Assert.Equal(id18, SfIds.Normalize(id18.ToLowerInvariant()[..15].Length == 15 ? id18 : id18));
        Assert.Null(SfIds.Normalize(id15 + "AAA"));
    }

    [Fact]
    public async Task CreateGetPatchDelete_Opportunity_RoundTripsWithDerivedStageFields()
    {
        await using var host = await SfTestHost.StartAsync();

        var created = await host.PostAsync(SfTestHost.Data("sobjects/Opportunity/"), new { Name = "Acme renewal", StageName = "Prospecting", CloseDate = "2026-06-30", Amount = 1000 });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var id = created.Body!["id"]!.GetValue<string>();
        Assert.Matches("^006[A-Za-z0-9]{15}$", id);
        Assert.True(created.Body!["success"]!.GetValue<bool>());
        Assert.Empty(created.Body!["errors"]!.AsArray());
        Assert.Equal($"/services/data/v66.0/sobjects/Opportunity/{id}", created.Header("Location"));
        Assert.Matches(@"^api-usage=\d+/15000$", created.Header("Sforce-Limit-Info")!);

        var get = await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"));
        Assert.Equal(HttpStatusCode.OK, get.Status);
        var record = get.Body!.AsObject();
        Assert.Equal("Opportunity", record["attributes"]!["type"]!.GetValue<string>());
        Assert.Equal($"/services/data/v66.0/sobjects/Opportunity/{id}", record["attributes"]!["url"]!.GetValue<string>());
        Assert.Equal(id, record["Id"]!.GetValue<string>());
        Assert.False(record["IsClosed"]!.GetValue<bool>());
        Assert.False(record["IsWon"]!.GetValue<bool>());
        Assert.Equal(10m, record["Probability"]!.GetValue<decimal>());
        Assert.Equal("Pipeline", record["ForecastCategoryName"]!.GetValue<string>());
        Assert.Equal(100m, record["ExpectedRevenue"]!.GetValue<decimal>());
        Assert.Equal("2026-06-30", record["CloseDate"]!.GetValue<string>());
        Assert.Equal(System.Text.Json.JsonValueKind.Number, record["Amount"]!.GetValueKind());
        Assert.Contains("\"Amount\":1000.0", get.Text, StringComparison.Ordinal);
        Assert.Matches(WireDateTime(), record["SystemModstamp"]!.GetValue<string>());
        Assert.Matches(WireDateTime(), record["CreatedDate"]!.GetValue<string>());
        Assert.Equal(host.Org.UserId, record["OwnerId"]!.GetValue<string>());
        Assert.Equal(host.Org.UserId, record["CreatedById"]!.GetValue<string>());
        Assert.False(record["IsDeleted"]!.GetValue<bool>());
        Assert.NotNull(get.Header("Last-Modified"));

        var patch = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { StageName = "Closed Won" });
        Assert.Equal(HttpStatusCode.NoContent, patch.Status);
        Assert.Equal(string.Empty, patch.Text);
        var won = host.Org.Get("Opportunity", id)!;
        Assert.Equal(true, won["IsClosed"]);
        Assert.Equal(true, won["IsWon"]);
        Assert.Equal(100m, won["Probability"]);
        Assert.Equal("Closed", won["ForecastCategoryName"]);
        Assert.NotNull(won["LastStageChangeDate"]);

        await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { StageName = "Closed Lost" });
        var lost = host.Org.Get("Opportunity", id)!;
        Assert.Equal(true, lost["IsClosed"]);
        Assert.Equal(false, lost["IsWon"]);
        Assert.Equal(0m, lost["Probability"]);
        Assert.Equal("Omitted", lost["ForecastCategoryName"]);

        var delete = await host.DeleteAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"));
        Assert.Equal(HttpStatusCode.NoContent, delete.Status);
        var gone = await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.Equal("""[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]""", gone.Text);
        var again = await host.DeleteAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, again.Status);
        Assert.Equal("ENTITY_IS_DELETED", again.ErrorCode);
    }

    [Fact]
    public async Task ExplicitProbabilityOverridesTheStageDefault()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var id = await host.CreateAsync("Opportunity", new { Name = "A", StageName = "Qualification", CloseDate = "2026-01-31", Probability = 35 });
        Assert.Equal(35m, host.Org.Get("Opportunity", id)!["Probability"]);
        await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { StageName = "Needs Analysis" });
        Assert.Equal(20m, host.Org.Get("Opportunity", id)!["Probability"]);
    }

    [Fact]
    public async Task Create_MissingRequiredFields_Returns400RequiredFieldMissingWithFields()
    {
        await using var host = await SfTestHost.StartAsync();
        var response = await host.PostAsync(SfTestHost.Data("sobjects/Opportunity"), new { Amount = 5 });
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("REQUIRED_FIELD_MISSING", response.ErrorCode);
        Assert.Equal("Required fields are missing: [Name, StageName, CloseDate]", response.ErrorMessage);
        Assert.Equal(["Name", "StageName", "CloseDate"], response.Body![0]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()));
    }

    [Theory]
    [InlineData("""{"Name":"x","StageName":"Prospecting","CloseDate":"2026-01-01","IsClosed":true}""", "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: IsClosed.")]
    [InlineData("""{"Name":"x","StageName":"Prospecting","CloseDate":"2026-01-01","IsWon":false,"SystemModstamp":"2020-01-01T00:00:00Z"}""", "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: IsWon, SystemModstamp.")]
    [InlineData("""{"Name":"x","StageName":"Prospecting","CloseDate":"2026-01-01","Foo__c":1}""", "INVALID_FIELD", "No such column 'Foo__c' on sobject of type Opportunity")]
    [InlineData("""{"id":"006000000000000AAA","Name":"x"}""", "INVALID_FIELD", "The Id field should not be specified in the sobject data.")]
    [InlineData("""{"Name":"x","StageName":"Sleeping","CloseDate":"2026-01-01"}""", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Stage: bad value for restricted picklist field: Sleeping")]
    [InlineData("""{"Name":"x","StageName":"Prospecting","CloseDate":"not-a-date"}""", "JSON_PARSER_ERROR", "Cannot deserialize instance of date from VALUE_STRING value not-a-date")]
    [InlineData("""{"Name":"x","StageName":"Prospecting","CloseDate":"2026-01-01","AccountId":"006000000000000"}""", "MALFORMED_ID", "Account ID: id value of incorrect type: 006000000000000")]
    [InlineData("""{"Name":"x","StageName":"Prospecting","CloseDate":"2026-01-01","AccountId":"001000000000001"}""", "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")]
    [InlineData("""{"Name":"x""", "JSON_PARSER_ERROR", "")]
    [InlineData("", "JSON_PARSER_ERROR", "The HTTP entity body is required, but this request has no entity body.")]
    public async Task Create_InvalidBodies_ReturnSalesforceErrorArrays(string body, string code, string messageStart)
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        using var request = new HttpRequestMessage(HttpMethod.Post, SfTestHost.Data("sobjects/Opportunity")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var message = await host.Http.SendAsync(request);
        var errors = JsonNode.Parse(await message.Content.ReadAsStringAsync())!.AsArray();
        Assert.Equal(HttpStatusCode.BadRequest, message.StatusCode);
        Assert.Single(errors);
        Assert.Equal(code, errors[0]!["errorCode"]!.GetValue<string>());
        Assert.StartsWith(messageStart, errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, host.Org.Count("Opportunity"));
    }

    [Fact]
    public async Task Patch_ReadOnlyOrUnknownFields_AreRejectedAndNothingChanges()
    {
        await using var host = await SfTestHost.StartAsync();
        var id = host.Opportunity("Original");
        var readOnly = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { Name = "Changed", IsWon = true });
        Assert.Equal(HttpStatusCode.BadRequest, readOnly.Status);
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE", readOnly.ErrorCode);
        var cleared = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), """{"Name":null}""");
        Assert.Equal("REQUIRED_FIELD_MISSING", cleared.ErrorCode);
        var tooLong = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { Name = new string('x', 121) });
        Assert.Equal("STRING_TOO_LONG", tooLong.ErrorCode);
        Assert.Equal("Original", host.Org.Get("Opportunity", id)!["Name"]);
    }

    [Fact]
    public async Task MalformedAndMissingIds_GiveMalformedIdAndNotFound()
    {
        await using var host = await SfTestHost.StartAsync();
        var account = host.Org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Acme" });

        var wrongType = await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/{account}"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.Status);
        Assert.Equal("MALFORMED_ID", wrongType.ErrorCode);
        Assert.Equal($"Opportunity ID: id value of incorrect type: {account}", wrongType.ErrorMessage);
        Assert.Equal("Id", wrongType.Body![0]!["fields"]![0]!.GetValue<string>());

        var badChecksum = await host.PatchAsync(SfTestHost.Data("sobjects/Opportunity/006000000000001ZZZ"), new { Name = "x" });
        Assert.Equal("MALFORMED_ID", badChecksum.ErrorCode);

        var missing = await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/006000000000001AAA"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("NOT_FOUND", missing.ErrorCode);

        var notAnId = await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/23foo"));
        Assert.Equal(HttpStatusCode.NotFound, notAnId.Status);
        Assert.Equal("Provided external ID field does not exist or is not accessible: 23foo", notAnId.ErrorMessage);

        var unknownType = await host.GetAsync(SfTestHost.Data("sobjects/Whizbang__c/describe"));
        Assert.Equal(HttpStatusCode.NotFound, unknownType.Status);
    }

    [Fact]
    public async Task Get_AcceptsFifteenCharacterIds_FieldsParameter_AndCaseInsensitiveTypeNames()
    {
        await using var host = await SfTestHost.StartAsync();
        var id = host.Opportunity("Fields", amount: 12.5m);
        var response = await host.GetAsync(SfTestHost.Data($"sobjects/opportunity/{id[..15]}?fields=Name,amount"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        var keys = response.Body!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(["attributes", "Name", "Amount", "Id"], keys);
        Assert.Equal("Opportunity", response.Body!["attributes"]!["type"]!.GetValue<string>());
        Assert.Equal(12.5m, response.Body!["Amount"]!.GetValue<decimal>());

        var bad = await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/{id}?fields=Name,Nope"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("INVALID_FIELD", bad.ErrorCode);
    }

    [Fact]
    public async Task IfUnmodifiedSince_Returns412WhenTheRecordChangedLater_AndInvalidHeaderIs400()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 4, 1, 10, 0, 0, 250, TimeSpan.Zero));
        await using var host = await SfTestHost.StartAsync(o => o.TimeProvider = clock);
        var id = host.Opportunity("Conditional");
        var original = "Wed, 01 Apr 2026 10:00:00 GMT";

        clock.Advance(TimeSpan.FromSeconds(5));
        var first = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { Name = "First" }, ("If-Unmodified-Since", original));
        Assert.Equal(HttpStatusCode.NoContent, first.Status);

        var second = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { Name = "Second" }, ("If-Unmodified-Since", original));
        Assert.Equal(HttpStatusCode.PreconditionFailed, second.Status);
        Assert.Equal("First", host.Org.Get("Opportunity", id)!["Name"]);

        var invalid = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { Name = "Third" }, ("If-Unmodified-Since", "yesterday-ish"));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal("First", host.Org.Get("Opportunity", id)!["Name"]);

        var later = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { Name = "Fourth" }, ("If-Unmodified-Since", "Wed, 01 Apr 2026 10:00:05 GMT"));
        Assert.Equal(HttpStatusCode.NoContent, later.Status);
    }

    [Theory]
    [InlineData("Wed, 01 Apr 2026 10:00:00 GMT", true)]
    [InlineData("Tue, 01 Apr 2026 10:00:00 GMT", true)] // the weekday is wrong: Salesforce's own example (Tue, 10 Aug 2015) has one too
    [InlineData("Wed, 01 Apr 2026 03:00:00 MST", true)] // zone abbreviation, as in "Mon, 30 Nov 2020 08:34:54 MST"
    [InlineData("Wed, 01 Apr 2026 05:00:00 -0500", true)]
    [InlineData("Wed, 01 Apr 2026 02:59:59 PST", false)] // 10:59:59 GMT: later than the record
    [InlineData("Wednesday, 01-Apr-26 10:00:00 GMT", true)]
    [InlineData("Wed, 31 Apr 2026 10:00:00 GMT", null)]
    [InlineData("Wed, 01 Apr 2026 10:00:00 XYZ", null)]
    public async Task IfUnmodifiedSince_AcceptsTheDocumentedDateFormat(string header, bool? stale)
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 4, 1, 10, 0, 30, TimeSpan.Zero));
        await using var host = await SfTestHost.StartAsync(o => o.TimeProvider = clock);
        var id = host.Opportunity("Conditional");
        var response = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { Name = "Changed" }, ("If-Unmodified-Since", header));
        var expected = stale switch { null => HttpStatusCode.BadRequest, true => HttpStatusCode.PreconditionFailed, false => HttpStatusCode.NoContent };
        Assert.Equal(expected, response.Status);
    }

    [Fact]
    public async Task IfModifiedSince_OnGet_Returns304WhenUnchanged()
    {
        await using var host = await SfTestHost.StartAsync();
        var id = host.Opportunity();
        var future = DateTimeOffset.UtcNow.AddMinutes(5).ToString("r", CultureInfo.InvariantCulture);
        var past = DateTimeOffset.UtcNow.AddDays(-1).ToString("r", CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.NotModified, (await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), ("If-Modified-Since", future))).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), ("If-Modified-Since", past))).Status);
    }

    [Fact]
    public async Task ContentNote_StoresBase64Content_ExposesPreviewAndBlob_AndLinksToOpportunity()
    {
        await using var host = await SfTestHost.StartAsync();
        var opp = host.Opportunity("Noted");
        var html = "<p>[ARIA] Call recap &amp; next steps</p>";
        var noteId = await host.CreateAsync("ContentNote", new { Title = "Recap", Content = Convert.ToBase64String(Encoding.UTF8.GetBytes(html)) });
        Assert.StartsWith("069", noteId, StringComparison.Ordinal);
        var linkId = await host.CreateAsync("ContentDocumentLink", new { ContentDocumentId = noteId, LinkedEntityId = opp, ShareType = "I", Visibility = "AllUsers" });
        Assert.StartsWith("06A", linkId, StringComparison.Ordinal);

        var note = await host.GetAsync(SfTestHost.Data($"sobjects/ContentNote/{noteId}"));
        Assert.Equal("SNOTE", note.Body!["FileType"]!.GetValue<string>());
        Assert.Equal("[ARIA] Call recap & next steps", note.Body!["TextPreview"]!.GetValue<string>());
        Assert.Equal($"/services/data/v66.0/sobjects/ContentNote/{noteId}/Content", note.Body!["Content"]!.GetValue<string>());
        Assert.Equal(Encoding.UTF8.GetByteCount(html), note.Body!["ContentSize"]!.GetValue<int>());

        using var blob = await host.Http.GetAsync(SfTestHost.Data($"sobjects/ContentNote/{noteId}/Content"));
        Assert.Equal(html, await blob.Content.ReadAsStringAsync());

        var links = await host.QueryAsync($"SELECT ContentDocumentId, ContentDocument.Title, ContentDocument.FileType FROM ContentDocumentLink WHERE LinkedEntityId = '{opp}'");
        var row = links.Body!["records"]![0]!;
        Assert.Equal(noteId, row["ContentDocumentId"]!.GetValue<string>());
        Assert.Equal("ContentDocument", row["ContentDocument"]!["attributes"]!["type"]!.GetValue<string>());
        Assert.Equal("Recap", row["ContentDocument"]!["Title"]!.GetValue<string>());

        var duplicate = await host.PostAsync(SfTestHost.Data("sobjects/ContentDocumentLink"), new { ContentDocumentId = noteId, LinkedEntityId = opp });
        Assert.Equal("DUPLICATE_VALUE", duplicate.ErrorCode);

        var unrestricted = await host.QueryAsync("SELECT Id FROM ContentDocumentLink");
        Assert.Equal("MALFORMED_QUERY", unrestricted.ErrorCode);

        // Deleting the opportunity cascades to the link, not to the note.
        Assert.Equal(HttpStatusCode.NoContent, (await host.DeleteAsync(SfTestHost.Data($"sobjects/Opportunity/{opp}"))).Status);
        Assert.Null(host.Org.Get("ContentDocumentLink", linkId));
        Assert.NotNull(host.Org.Get("ContentNote", noteId));

        // Deleting through ContentDocument deletes the note.
        Assert.Equal(HttpStatusCode.NoContent, (await host.DeleteAsync(SfTestHost.Data($"sobjects/ContentDocument/{noteId}"))).Status);
        Assert.Null(host.Org.Get("ContentNote", noteId));
    }

    [Fact]
    public async Task TaskAndEvent_DeriveClosedStateDurationAndAccount()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var account = host.Org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Acme" });
        var opp = host.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "D", ["StageName"] = "Prospecting", ["CloseDate"] = "2026-05-01", ["AccountId"] = account });

        var task = await host.CreateAsync("Task", new { WhatId = opp, Subject = "Call", ActivityDate = "2026-05-01", Status = "Completed", TaskSubtype = "Call", Type = "Call" });
        var taskValues = host.Org.Get("Task", task)!;
        Assert.Equal(true, taskValues["IsClosed"]);
        Assert.Equal("Normal", taskValues["Priority"]);
        Assert.Equal(account, taskValues["AccountId"]);
        Assert.NotNull(taskValues["CompletedDateTime"]);
        var subtype = await host.PatchAsync(SfTestHost.Data($"sobjects/Task/{task}"), new { TaskSubtype = "Email" });
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE", subtype.ErrorCode);

        var ev = await host.CreateAsync("Event", new { WhatId = opp, Subject = "Demo", StartDateTime = "2026-05-02T15:00:00.000+0000", DurationInMinutes = 45 });
        var eventValues = host.Org.Get("Event", ev)!;
        Assert.Equal(new DateTimeOffset(2026, 5, 2, 15, 45, 0, TimeSpan.Zero), eventValues["EndDateTime"]);
        Assert.Equal(new DateOnly(2026, 5, 2), eventValues["ActivityDate"]);

        var missing = await host.PostAsync(SfTestHost.Data("sobjects/Event"), new { Subject = "No time", StartDateTime = "2026-05-02T15:00:00Z" });
        Assert.Equal("REQUIRED_FIELD_MISSING", missing.ErrorCode);

        var note = await host.PostAsync(SfTestHost.Data("sobjects/Note"), new { Title = "Classic", Body = "text" });
        Assert.Equal("REQUIRED_FIELD_MISSING", note.ErrorCode);
        Assert.Equal("Required fields are missing: [ParentId]", note.ErrorMessage);
    }

    [Fact]
    public async Task UpsertByExternalId_CreatesUpdatesAndReportsMultipleMatches()
    {
        await using var host = await SfTestHost.StartAsync();
        host.Org.DefineCustomField("Opportunity", "Aria_Key__c", externalId: true, unique: true);
        host.Org.DefineCustomField("Opportunity", "Region__c");
        var body = new { Name = "Upserted", StageName = "Prospecting", CloseDate = "2026-02-01" };

        var created = await host.PatchAsync(SfTestHost.Data("sobjects/Opportunity/Aria_Key__c/K-1"), body);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.True(created.Body!["created"]!.GetValue<bool>());
        var id = created.Body!["id"]!.GetValue<string>();
        Assert.Equal("K-1", host.Org.Get("Opportunity", id)!["Aria_Key__c"]);

        var updated = await host.PatchAsync(SfTestHost.Data("sobjects/Opportunity/Aria_Key__c/K-1"), new { Name = "Renamed" });
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        Assert.False(updated.Body!["created"]!.GetValue<bool>());
        Assert.Equal(id, updated.Body!["id"]!.GetValue<string>());

        var duplicate = await host.PostAsync(SfTestHost.Data("sobjects/Opportunity"), new { Name = "Dup", StageName = "Prospecting", CloseDate = "2026-02-01", Aria_Key__c = "K-1" });
        Assert.Equal("DUPLICATE_VALUE", duplicate.ErrorCode);

        host.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "R1", ["StageName"] = "Prospecting", ["CloseDate"] = "2026-01-01", ["Region__c"] = "EU" });
        host.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "R2", ["StageName"] = "Prospecting", ["CloseDate"] = "2026-01-01", ["Region__c"] = "EU" });
        var notExternal = await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/Region__c/EU"));
        Assert.Equal(HttpStatusCode.NotFound, notExternal.Status);

        var byKey = await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/Aria_Key__c/K-1"));
        Assert.Equal("Renamed", byKey.Body!["Name"]!.GetValue<string>());
    }

    [Fact]
    public async Task TrailingSlashesAndMethodOverride_AreTolerated()
    {
        await using var host = await SfTestHost.StartAsync();
        var id = host.Opportunity();
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/{id}/"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync($"/services/data/v66.0/")).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync($"/services/data/v58.0/limits/")).Status);
        var overridden = await host.PostAsync(SfTestHost.Data($"sobjects/Opportunity/{id}?_HttpMethod=PATCH"), new { Name = "Via POST" });
        Assert.Equal(HttpStatusCode.NoContent, overridden.Status);
        Assert.Equal("Via POST", host.Org.Get("Opportunity", id)!["Name"]);
        var notAllowed = await host.SendAsync(HttpMethod.Put, SfTestHost.Data($"sobjects/Opportunity/{id}"), new { Name = "x" });
        Assert.Equal(HttpStatusCode.MethodNotAllowed, notAllowed.Status);
    }

    [Fact]
    public async Task VersionsAndResources_EchoTheRequestedVersion()
    {
        await using var host = await SfTestHost.StartAsync();
        var versions = await host.GetAsync("/services/data/");
        Assert.Equal(HttpStatusCode.OK, versions.Status);
        Assert.Null(versions.Header("Sforce-Limit-Info"));
        var last = versions.Body!.AsArray()[^1]!;
        Assert.Equal("66.0", last["version"]!.GetValue<string>());
        Assert.Equal("Spring '26", last["label"]!.GetValue<string>());
        Assert.Equal("/services/data/v66.0", last["url"]!.GetValue<string>());
        Assert.Equal("Summer '14", versions.Body!.AsArray()[0]!["label"]!.GetValue<string>());

        var resources = await host.GetAsync("/services/data/v61.0");
        Assert.Equal("/services/data/v61.0/sobjects", resources.Body!["sobjects"]!.GetValue<string>());
        Assert.Equal(host.Tokens.IdentityUrl.ToString(), resources.Body!["identity"]!.GetValue<string>());
        Assert.NotNull(resources.Header("Sforce-Limit-Info"));

        var id = host.Opportunity();
        var record = await host.GetAsync($"/services/data/v59.0/sobjects/Opportunity/{id}");
        Assert.Equal($"/services/data/v59.0/sobjects/Opportunity/{id}", record.Body!["attributes"]!["url"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await host.GetAsync("/services/data/latest/limits")).Status);
    }

    [Fact]
    public async Task Describe_ListsFieldsWithRealisticShapes()
    {
        await using var host = await SfTestHost.StartAsync();
        var global = await host.GetAsync(SfTestHost.Data("sobjects"));
        Assert.Equal(200, global.Body!["maxBatchSize"]!.GetValue<int>());
        var opportunity = global.Body!["sobjects"]!.AsArray().Single(o => o!["name"]!.GetValue<string>() == "Opportunity")!;
        Assert.Equal("006", opportunity["keyPrefix"]!.GetValue<string>());
        Assert.Equal("/services/data/v66.0/sobjects/Opportunity/describe", opportunity["urls"]!["describe"]!.GetValue<string>());

        var describe = await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/describe/"));
        var fields = describe.Body!["fields"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!);
        Assert.False(fields["IsClosed"]["updateable"]!.GetValue<bool>());
        Assert.True(fields["StageName"]["updateable"]!.GetValue<bool>());
        Assert.Equal("picklist", fields["StageName"]["type"]!.GetValue<string>());
        Assert.Contains("Closed Won", fields["StageName"]["picklistValues"]!.AsArray().Select(v => v!["value"]!.GetValue<string>()));
        Assert.Equal("currency", fields["Amount"]["type"]!.GetValue<string>());
        Assert.Equal("Account", fields["AccountId"]["referenceTo"]![0]!.GetValue<string>());
        Assert.Contains(describe.Body!["childRelationships"]!.AsArray(), c => c!["relationshipName"]!.GetValue<string>() == "Tasks");

        var info = await host.GetAsync(SfTestHost.Data("sobjects/Opportunity"));
        Assert.Equal("Opportunity", info.Body!["objectDescribe"]!["name"]!.GetValue<string>());
        Assert.NotNull(info.Body!["recentItems"]);
    }

    [Fact]
    public async Task OpportunityStage_IsQueryOnly()
    {
        await using var host = await SfTestHost.StartAsync();
        var stages = await host.QueryAsync("SELECT ApiName, MasterLabel, IsClosed, IsWon, DefaultProbability, SortOrder FROM OpportunityStage WHERE IsActive = true ORDER BY SortOrder");
        var rows = stages.Body!["records"]!.AsArray();
        Assert.Equal(10, rows.Count);
        Assert.Equal("Prospecting", rows[0]!["ApiName"]!.GetValue<string>());
        Assert.Equal("Closed Won", rows[8]!["ApiName"]!.GetValue<string>());
        Assert.True(rows[8]!["IsWon"]!.GetValue<bool>());
        Assert.Equal(100m, rows[8]!["DefaultProbability"]!.GetValue<decimal>());
        Assert.Equal(90m, rows[7]!["DefaultProbability"]!.GetValue<decimal>());

        var create = await host.PostAsync(SfTestHost.Data("sobjects/OpportunityStage"), new { MasterLabel = "New" });
        Assert.Equal(HttpStatusCode.BadRequest, create.Status);
    }
}
