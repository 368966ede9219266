using System.Text.Json;
using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

/// <summary>
/// For each real response example (docs, captured bodies, spec examples) the emulator produces the corresponding
/// response, compared field by field: every field of the example exists with the same JSON type and nesting. Extra
/// fields are allowed only where listed (and explained).
/// </summary>
public sealed class HubSpotShapeTests
{
    private static readonly string ExamplesRoot = Path.Combine(AppContext.BaseDirectory, "HubSpot", "Emulator", "Examples");

    /// <summary>Objects whose keys are data (property names), compared by value type only.</summary>
    private static readonly HashSet<string> Maps = new(StringComparer.Ordinal) { "properties", "metadata", "links" };

    public static TheoryData<string> ResponseExamples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(ExamplesRoot, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            if (file!.EndsWith(".response.json", StringComparison.Ordinal) || file.EndsWith(".spec-example.json", StringComparison.Ordinal))
            {
                data.Add(file);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ResponseExamples))]
    public async Task EmulatorResponse_HasTheShapeOfTheExample(string example)
    {
        var expected = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(ExamplesRoot, example)));
        await using var h = await HubSpotHarness.StartAsync(o => o.NumericAssociationIds = example.StartsWith("assoc-", StringComparison.Ordinal));
        var (actual, allowedExtras) = await ProduceAsync(h, example);
        var differences = new List<string>();
        Compare(expected, actual, "$", differences, allowedExtras);
        Assert.True(differences.Count == 0, $"{example}:\n{string.Join('\n', differences)}\nactual: {actual?.ToJsonString()}");
    }

    [Fact]
    public async Task EveryResponseExample_IsCovered()
    {
        var all = Directory.EnumerateFiles(ExamplesRoot, "*.response.json").Select(Path.GetFileName).ToList();
        Assert.Equal(18, all.Count);
        await using var h = await HubSpotHarness.StartAsync();
        foreach (var example in all)
        {
            var (actual, _) = await ProduceAsync(h, example!);
            Assert.NotNull(actual);
        }
    }

    [Fact]
    public void ShapeComparison_DetectsMissingFieldsWrongTypesAndUnexpectedExtras()
    {
        var differences = new List<string>();
        Compare(JsonNode.Parse("""{"a":"x","b":{"c":1}}"""), JsonNode.Parse("""{"a":1,"b":{},"d":true}"""), "$", differences, []);
        Assert.Equal(3, differences.Count);
    }

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> differences, IReadOnlyCollection<string> allowedExtras, bool isMap = false)
    {
        var expectedKind = expected?.GetValueKind() ?? JsonValueKind.Null;
        var actualKind = actual?.GetValueKind() ?? JsonValueKind.Null;
        if (NormalizeKind(expectedKind) != NormalizeKind(actualKind))
        {
            differences.Add($"{path}: expected {expectedKind}, got {actualKind}");
            return;
        }

        if (expected is JsonObject expectedObject && actual is JsonObject actualObject)
        {
            if (isMap)
            {
                var kinds = expectedObject.Select(p => NormalizeKind(p.Value?.GetValueKind() ?? JsonValueKind.Null)).Where(k => k != JsonValueKind.Null).ToHashSet();
                foreach (var (name, value) in actualObject)
                {
                    var kind = NormalizeKind(value?.GetValueKind() ?? JsonValueKind.Null);
                    if (kind != JsonValueKind.Null && kinds.Count > 0 && !kinds.Contains(kind))
                    {
                        differences.Add($"{path}.{name}: map value {kind}, the example's are {string.Join('/', kinds)}");
                    }
                }

                return;
            }

            foreach (var (name, value) in expectedObject)
            {
                if (!actualObject.ContainsKey(name))
                {
                    differences.Add($"{path}.{name}: missing");
                    continue;
                }

                Compare(value, actualObject[name], $"{path}.{name}", differences, allowedExtras, Maps.Contains(name));
            }

            foreach (var (name, _) in actualObject)
            {
                if (!expectedObject.ContainsKey(name) && !allowedExtras.Contains(name))
                {
                    differences.Add($"{path}.{name}: not in the example");
                }
            }

            return;
        }

        if (expected is JsonArray expectedArray && actual is JsonArray actualArray)
        {
            if (expectedArray.Count > 0 && actualArray.Count == 0)
            {
                differences.Add($"{path}: empty array where the example has items");
                return;
            }

            // Each element of the example must have a counterpart of the same shape.
            foreach (var (item, index) in expectedArray.Select((item, index) => (item, index)))
            {
                var best = actualArray
                    .Select(candidate =>
                    {
                        var local = new List<string>();
                        Compare(item, candidate, $"{path}[{index}]", local, allowedExtras);
                        return local;
                    })
                    .OrderBy(l => l.Count)
                    .First();
                differences.AddRange(best);
            }
        }
    }

    private static JsonValueKind NormalizeKind(JsonValueKind kind) => kind is JsonValueKind.True ? JsonValueKind.False : kind;

    private static JsonNode Body(HubSpotReply reply) => reply.Json ?? throw new InvalidOperationException($"no JSON body ({reply.Status})");

    private static async Task<(JsonNode? Actual, IReadOnlyCollection<string> AllowedExtras)> ProduceAsync(HubSpotHarness h, string example)
    {
        var e = h.Emulator;
        var options = e.Options;
        switch (example)
        {
            case "assoc-v4-batch-read.response.json":
            case "assoc-v4-list.response.json":
                {
                    var contact = e.InsertObject("contacts", new Dictionary<string, string?> { ["email"] = $"c{Guid.NewGuid():N}@x.example" }).Id;
                    var company1 = e.InsertObject("companies", new Dictionary<string, string?> { ["name"] = "A" }).Id;
                    var company2 = e.InsertObject("companies", new Dictionary<string, string?> { ["name"] = "B" }).Id;
                    var chef = e.DefineAssociationLabel("contacts", "companies", "Chef");
                    e.Associate("contacts", contact, "companies", company1, 1);
                    e.Associate("contacts", contact, "companies", company1, chef, "USER_DEFINED");
                    e.Associate("contacts", contact, "companies", company2);
                    if (example == "assoc-v4-list.response.json")
                    {
                        return (Body(await h.GetAsync($"/crm/v4/objects/contacts/{contact}/associations/companies")), []);
                    }

                    var other = e.InsertObject("contacts", new Dictionary<string, string?> { ["email"] = $"d{Guid.NewGuid():N}@x.example" }).Id;
                    e.Associate("contacts", other, "companies", company1, 1);
                    return (Body(await h.PostAsync("/crm/v4/associations/contacts/companies/batch/read", JsonNode.Parse($$"""{"inputs":[{"id":"{{other}}"},{"id":"{{contact}}"}]}""")!)), []);
                }

            case "assoc-v4-put-labelled.response.json":
                {
                    var contact = e.InsertObject("contacts", new Dictionary<string, string?> { ["email"] = $"p{Guid.NewGuid():N}@x.example" }).Id;
                    var deal = await h.CreateDealAsync("Labelled");
                    var label = e.DefineAssociationLabel("contacts", "deals", "Point of contact");
                    return (Body(await h.PutAsync($"/crm/v4/objects/contacts/{contact}/associations/deals/{deal}", JsonNode.Parse($$"""[{"associationCategory":"USER_DEFINED","associationTypeId":{{label}}}]""")!)), []);
                }

            case "batch-create-multistatus.response.json":
                {
                    var reply = await h.PostAsync("/crm/v3/objects/deals/batch/create", JsonNode.Parse("""
                    {"inputs":[{"objectWriteTraceId":"549b1c2a9350","properties":{"dealname":"ok"}},{"objectWriteTraceId":"549b1c2a9351","properties":{"missing":"1"}}]}
                    """)!);
                    Assert.Equal(207, reply.Status);

                    // StandardError's errors and links are required by the specs (HubSpot's own example omits them).
                    return (Body(reply), ["errors", "links"]);
                }

            case "error-400-property-doesnt-exist.response.json":
                {
                    var reply = await h.PostAsync("/crm/v3/objects/deals", JsonNode.Parse("""{"properties":{"testproperty":"x"}}""")!);
                    Assert.Equal(400, reply.Status);
                    return (Body(reply), []);
                }

            case "error-403-missing-scopes.response.json":
                {
                    var reply = await h.GetAsync("/crm/v3/objects/deals", e.CreatePrivateAppToken(["crm.objects.contacts.read"]));
                    Assert.Equal(403, reply.Status);
                    return (Body(reply), []);
                }

            case "error-generic-shape.response.json":
                {
                    var reply = await h.PostAsync("/crm/v3/objects/deals", JsonNode.Parse("""{"properties":{"amount":"lots"}}""")!);
                    Assert.Equal(400, reply.Status);
                    return (Body(reply), []);
                }

            case "error.spec-example.json":
                {
                    var reply = await h.GetAsync("/crm/v3/objects/deals", e.CreatePrivateAppToken([]));
                    Assert.Equal(403, reply.Status);

                    // The spec example is a subset of the documented 403: status and errors are extra there.
                    return (Body(reply), ["status", "errors"]);
                }

            case "oauth-error-invalid-grant.response.json":
                {
                    var reply = await h.PostFormAsync("/oauth/v1/token", ("grant_type", "refresh_token"), ("client_id", options.ClientId), ("client_secret", options.ClientSecret), ("refresh_token", "nope"));
                    Assert.Equal(400, reply.Status);

                    // correlationId and category: required by the specs' Error schema.
                    return (Body(reply), ["correlationId", "category"]);
                }

            case "oauth-v1-access-token-info.response.json":
                return (Body(await h.GetAsync($"/oauth/v1/access-tokens/{e.IssueOAuthTokens().AccessToken}", string.Empty)), ["isPrivateDistribution", "isServiceAccount", "installingUserId", "appInstallId", "audience"]);
            case "oauth-v1-token.response.json":
                {
                    var reply = await h.PostFormAsync("/oauth/v1/token", ("grant_type", "refresh_token"), ("client_id", options.ClientId), ("client_secret", options.ClientSecret), ("refresh_token", e.IssueOAuthTokens().RefreshToken));

                    // token_use is required by the specs' AccessTokenResponse.
                    return (Body(reply), ["token_use"]);
                }

            case "oauth-v3-token.response.json":
                {
                    var reply = await h.PostFormAsync("/oauth/v3/token", ("grant_type", "refresh_token"), ("client_id", options.ClientId), ("client_secret", options.ClientSecret), ("refresh_token", e.IssueOAuthTokens().RefreshToken));
                    return (Body(reply), ["token_use"]);
                }

            case "oauth-v3-introspect-access.response.json":
            case "oauth-v3-introspect-refresh.response.json":
                {
                    var tokens = e.IssueOAuthTokens();
                    var token = example.Contains("access", StringComparison.Ordinal) ? tokens.AccessToken : tokens.RefreshToken;
                    var reply = await h.PostFormAsync("/oauth/v3/token/introspect", ("client_id", options.ClientId), ("client_secret", options.ClientSecret), ("token", token));
                    return (Body(reply), ["isServiceAccount", "installingUserId", "appInstallId", "audience"]);
                }

            case "object-get.response.json":
                {
                    var meeting = (await h.PostAsync("/crm/v3/objects/meetings", JsonNode.Parse("""{"properties":{"hs_timestamp":"2024-11-20T20:12:03.054Z","hs_meeting_body":"<p>New meeting</p>"}}""")!)).Object["id"]!.GetValue<string>();
                    return (Body(await h.GetAsync($"/crm/v3/objects/0-47/{meeting}?properties=hs_meeting_body,hs_timestamp")), []);
                }

            case "object-list-page.response.json":
                {
                    e.InsertObject("notes", new Dictionary<string, string?> { ["hs_timestamp"] = "1700000000000" });
                    e.InsertObject("notes", new Dictionary<string, string?> { ["hs_timestamp"] = "1700000000000" });
                    return (Body(await h.GetAsync("/crm/v3/objects/0-46?limit=1")), []);
                }

            case "rate-limit-429-daily.response.json":
                {
                    await using var limited = await HubSpotHarness.StartAsync(o => o.DailyLimit = 0, inProcess: true);
                    var reply = await limited.GetAsync("/crm/v3/objects/deals");
                    Assert.Equal(429, reply.Status);

                    // category: required by the specs' Error schema (HubSpot announced RATE_LIMITS).
                    return (Body(reply), ["category"]);
                }

            case "rate-limit-429-ten-secondly.response.json":
                {
                    e.Faults.FailNext(FaultKind.RateLimited, "deals.objects.list");
                    var reply = await h.GetAsync("/crm/v3/objects/deals");
                    Assert.Equal(429, reply.Status);
                    return (Body(reply), ["category"]);
                }

            case "search-companies.response.json":
                {
                    for (var i = 0; i < 12; i++)
                    {
                        e.InsertObject("companies", new Dictionary<string, string?> { ["name"] = $"Company {i}", ["annualrevenue"] = "1000000000" });
                    }

                    return (Body(await h.PostAsync("/crm/v3/objects/companies/search", JsonNode.Parse("""
                    {"filterGroups":[{"filters":[{"propertyName":"annualrevenue","operator":"GT","value":"10000000"}]}],"properties":["annualrevenue","name"]}
                    """)!)), []);
                }

            case "simple-public-object.spec-example.json":
                return (Body(await h.PostAsync("/crm/v3/objects/deals", JsonNode.Parse("""{"properties":{"dealname":"x","amount":"17"},"associations":[]}""")!)), []);
            default:
                throw new InvalidOperationException($"No producer for {example}");
        }
    }
}
