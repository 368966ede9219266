using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

public sealed class SalesforceSoqlTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 15, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);
    private SfTestHost _host = null!;
    private string _acme = null!;
    private readonly Dictionary<string, string> _opps = [];

    public async Task InitializeAsync()
    {
        _host = await SfTestHost.StartAsync(o => o.TimeProvider = _clock, loopback: false);
        var org = _host.Org;
        _acme = org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Acme", ["BillingCity"] = "Paris" });
        var globex = org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Globex" });
        void Add(string name, string stage, decimal? amount, string close, string? account, DateTimeOffset modstamp)
        {
            var id = org.Insert("Opportunity", new Dictionary<string, object?>
            {
                ["Name"] = name,
                ["StageName"] = stage,
                ["Amount"] = amount,
                ["CloseDate"] = close,
                ["AccountId"] = account,
            });
            org.SetTimestamps("Opportunity", id, systemModstamp: modstamp, lastModifiedDate: modstamp);
            _opps[name] = id;
        }

        Add("Alpha", "Prospecting", 100m, "2026-01-10", _acme, Now.AddDays(-3));
        Add("Beta", "Closed Won", 250m, "2026-02-20", _acme, Now.AddDays(-2));
        Add("Gamma", "Closed Lost", null, "2026-03-15", globex, Now.AddDays(-1));
        Add("Delta's deal", "Negotiation/Review", 75.5m, "2026-04-01", null, Now.AddHours(-1));
        Add("50% off_sale", "Qualification", 10m, "2026-03-16", null, Now.AddMinutes(-5));
        org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = _opps["Alpha"], ["Subject"] = "Call 1", ["Status"] = "Completed" });
        org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = _opps["Alpha"], ["Subject"] = "Call 2" });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<List<string>> NamesAsync(string soql)
    {
        var response = await _host.QueryAsync(soql);
        Assert.True(response.Status == HttpStatusCode.OK, response.Text);
        return response.Body!["records"]!.AsArray().Select(r => r!["Name"]!.GetValue<string>()).ToList();
    }

    private async Task<SfResponse> FailAsync(string soql, string code)
    {
        var response = await _host.QueryAsync(soql);
        Assert.True(response.Status == HttpStatusCode.BadRequest, response.Text);
        Assert.Equal(code, response.ErrorCode);
        return response;
    }

    [Theory]
    [InlineData("SELECT Name FROM Opportunity WHERE Amount > 75.5 ORDER BY Name", "Alpha,Beta")]
    [InlineData("SELECT Name FROM Opportunity WHERE Amount >= 75.5 ORDER BY Name", "Alpha,Beta,Delta's deal")]
    [InlineData("SELECT Name FROM Opportunity WHERE Amount < 100 ORDER BY Name", "50% off_sale,Delta's deal")]
    [InlineData("SELECT Name FROM Opportunity WHERE Amount <= 100 ORDER BY Name", "50% off_sale,Alpha,Delta's deal")]
    [InlineData("SELECT Name FROM Opportunity WHERE Amount = null", "Gamma")]
    [InlineData("SELECT Name FROM Opportunity WHERE Amount != null ORDER BY Name", "50% off_sale,Alpha,Beta,Delta's deal")]
    [InlineData("SELECT Name FROM Opportunity WHERE Name <> 'Alpha' AND Amount != null ORDER BY Name", "50% off_sale,Beta,Delta's deal")]
    [InlineData("SELECT Name FROM Opportunity WHERE name = 'ALPHA'", "Alpha")]
    [InlineData("SELECT Name FROM Opportunity WHERE StageName IN ('Closed Won', 'Closed Lost') ORDER BY Name", "Beta,Gamma")]
    [InlineData("SELECT Name FROM Opportunity WHERE StageName NOT IN ('Closed Won', 'Closed Lost') ORDER BY Name", "50% off_sale,Alpha,Delta's deal")]
    [InlineData("SELECT Name FROM Opportunity WHERE Name LIKE 'a%'", "Alpha")]
    [InlineData("SELECT Name FROM Opportunity WHERE Name LIKE '_eta'", "Beta")]
    [InlineData("SELECT Name FROM Opportunity WHERE Name LIKE '50\\% off\\_%'", "50% off_sale")]
    [InlineData("SELECT Name FROM Opportunity WHERE Name LIKE '%\\_%' ORDER BY Name", "50% off_sale")]
    [InlineData("SELECT Name FROM Opportunity WHERE IsClosed = true ORDER BY Name DESC", "Gamma,Beta")]
    [InlineData("SELECT Name FROM Opportunity WHERE IsWon = false AND IsClosed = true", "Gamma")]
    [InlineData("SELECT Name FROM Opportunity WHERE NOT Name = 'Alpha' AND IsClosed = false ORDER BY Name", "50% off_sale,Delta's deal")]
    [InlineData("SELECT Name FROM Opportunity WHERE (Name = 'Alpha' OR Name = 'Beta') AND Amount > 150", "Beta")]
    [InlineData("SELECT Name FROM Opportunity WHERE Name = 'Alpha' OR (Amount > 200 AND IsWon = true) ORDER BY Name", "Alpha,Beta")]
    [InlineData("SELECT Name FROM Opportunity WHERE CloseDate > 2026-03-15 ORDER BY CloseDate", "50% off_sale,Delta's deal")]
    [InlineData("SELECT Name FROM Opportunity WHERE CloseDate = 2026-03-15", "Gamma")]
    [InlineData("SELECT Name FROM Opportunity WHERE SystemModstamp > 2026-03-14T11:59:59Z ORDER BY SystemModstamp", "Gamma,Delta's deal,50% off_sale")]
    [InlineData("SELECT Name FROM Opportunity WHERE SystemModstamp >= 2026-03-14T13:00:00+01:00 ORDER BY SystemModstamp", "Gamma,Delta's deal,50% off_sale")]
    [InlineData("SELECT Name FROM Opportunity WHERE SystemModstamp > 2026-03-15T10:00:00.000+0000 ORDER BY SystemModstamp", "Delta's deal,50% off_sale")]
    [InlineData("SELECT Name FROM Opportunity WHERE CloseDate = TODAY", "Gamma")]
    [InlineData("SELECT Name FROM Opportunity WHERE CloseDate = TOMORROW", "50% off_sale")]
    [InlineData("SELECT Name FROM Opportunity WHERE SystemModstamp = LAST_N_DAYS:1 ORDER BY Name", "50% off_sale,Delta's deal,Gamma")]
    [InlineData("SELECT Name FROM Opportunity WHERE CloseDate < THIS_MONTH ORDER BY Name", "Alpha,Beta")]
    [InlineData("SELECT Name FROM Opportunity WHERE Account.Name = 'Acme' ORDER BY Name", "Alpha,Beta")]
    [InlineData("SELECT Name FROM Opportunity o WHERE o.Account.BillingCity = 'Paris' ORDER BY o.Name", "Alpha,Beta")]
    [InlineData("SELECT Name FROM Opportunity WHERE Name = 'Delta\\'s deal'", "Delta's deal")]
    [InlineData("SELECT Name FROM Opportunity ORDER BY Amount NULLS LAST, Name LIMIT 2", "50% off_sale,Delta's deal")]
    [InlineData("SELECT Name FROM Opportunity ORDER BY Amount DESC NULLS FIRST LIMIT 2", "Gamma,Beta")]
    [InlineData("SELECT Name FROM Opportunity ORDER BY Amount LIMIT 1", "Gamma")]
    [InlineData("SELECT Name FROM Opportunity ORDER BY Account.Name DESC NULLS LAST, Name ASC", "Gamma,Alpha,Beta,50% off_sale,Delta's deal")]
    [InlineData("SELECT Name FROM Opportunity ORDER BY Name LIMIT 2 OFFSET 1", "Alpha,Beta")]
    [InlineData("SELECT Name FROM Opportunity WHERE Id IN (SELECT WhatId FROM Task WHERE Status = 'Completed')", "Alpha")]
    [InlineData("SELECT Name FROM Opportunity WHERE Id NOT IN (SELECT WhatId FROM Task) AND IsClosed = true ORDER BY Name", "Beta,Gamma")]
    [InlineData("select name from opportunity where amount > 200 with security_enforced", "Beta")]
    public async Task Where_OrderBy_Limit_Offset_FilterLikeSalesforce(string soql, string expected)
    {
        Assert.Equal(expected.Split(','), await NamesAsync(soql));
    }

    [Fact]
    public async Task IdComparisons_AcceptFifteenAndEighteenCharacterLiterals()
    {
        var alpha = _opps["Alpha"];
        Assert.Equal(["Alpha"], await NamesAsync($"SELECT Name FROM Opportunity WHERE Id = '{alpha[..15]}'"));
        Assert.Equal(["Alpha"], await NamesAsync($"SELECT Name FROM Opportunity WHERE Id = '{alpha}'"));
        var after = await NamesAsync($"SELECT Name FROM Opportunity WHERE Id > '{alpha}' ORDER BY Id");
        Assert.Equal(["Beta", "Gamma", "Delta's deal", "50% off_sale"], after);
        var bad = await FailAsync("SELECT Name FROM Opportunity WHERE Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR");
        Assert.Contains("invalid ID field: abc", bad.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("' OR Name != '")]
    [InlineData("x' OR Name LIKE '%")]
    [InlineData("\\' OR Name != \\'")]
    public async Task EscapedInjectionAttempts_StayLiterals(string hostile)
    {
        var escaped = hostile.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);
        var response = await _host.QueryAsync($"SELECT Name FROM Opportunity WHERE Name = '{escaped}'");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(0, response.Body!["totalSize"]!.GetValue<int>());

        var id = _host.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = hostile, ["StageName"] = "Prospecting", ["CloseDate"] = "2026-01-01" });
        var found = await _host.QueryAsync($"SELECT Id, Name FROM Opportunity WHERE Name = '{escaped}'");
        Assert.Equal(1, found.Body!["totalSize"]!.GetValue<int>());
        Assert.Equal(id, found.Body!["records"]![0]!["Id"]!.GetValue<string>());
        Assert.Equal(hostile, found.Body!["records"]![0]!["Name"]!.GetValue<string>());
    }

    [Fact]
    public async Task StringEscapes_DecodeLikeSalesforce()
    {
        var name = "Tab\tQuote\"Back\\Line\nUni\u00e9";
        _host.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = name, ["StageName"] = "Prospecting", ["CloseDate"] = "2026-01-01" });
        Assert.Equal([name], await NamesAsync("SELECT Name FROM Opportunity WHERE Name = 'Tab\\tQuote\\\"Back\\\\Line\\nUni\\u00e9'"));
    }

    [Theory]
    [InlineData("SELECT Name FROM Opportunity WHERE Name = 'a\\qb'", "MALFORMED_QUERY", "Illegal character sequence '\\q'")]
    [InlineData("SELECT Name FROM Opportunity WHERE Name = 'unterminated", "MALFORMED_QUERY", "")]
    [InlineData("SELECT Name FORM Opportunity", "MALFORMED_QUERY", "unexpected token: 'Opportunity'")]
    [InlineData("SELECT Name FROM", "MALFORMED_QUERY", "unexpected token: <EOF>")]
    [InlineData("SELECT FROM Opportunity", "MALFORMED_QUERY", "")]
    [InlineData("SELECT Name FROM Opportunity WHERE Name = 'a' AND Amount > 1 OR Amount < 5", "MALFORMED_QUERY", "unexpected token: 'OR'")]
    [InlineData("SELECT Name FROM Opportunity WHERE SystemModstamp > 2026-01-01T00:00:00", "MALFORMED_QUERY", "")]
    [InlineData("SELECT Name FROM Opportunity WHERE Name = :name", "MALFORMED_QUERY", "")]
    [InlineData("SELECT Name FROM Opportunity LIMIT abc", "MALFORMED_QUERY", "")]
    [InlineData("SELECT Name FROM Opportunity OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000")]
    [InlineData("SELECT Name, Name FROM Opportunity", "MALFORMED_QUERY", "duplicate field selected: Name")]
    [InlineData("SELECT Nme FROM Opportunity", "INVALID_FIELD", "No such column 'Nme' on entity 'Opportunity'.")]
    [InlineData("SELECT Acount.Name FROM Opportunity", "INVALID_FIELD", "Didn't understand relationship 'Acount' in field path.")]
    [InlineData("SELECT Name FROM Opportunity WHERE Foo = 1", "INVALID_FIELD", "No such column 'Foo'")]
    [InlineData("SELECT Id FROM Opportunty", "INVALID_TYPE", "sObject type 'Opportunty' is not supported.")]
    [InlineData("SELECT Name FROM Opportunity WHERE CloseDate = '2026-01-01'", "INVALID_QUERY_FILTER_OPERATOR", "value of filter criterion for field 'CloseDate' must be of type date and should not be enclosed in quotes")]
    [InlineData("SELECT Name FROM Opportunity WHERE SystemModstamp > 2026-01-01", "INVALID_QUERY_FILTER_OPERATOR", "value of filter criterion for field 'SystemModstamp' must be of type dateTime")]
    [InlineData("SELECT Name FROM Opportunity WHERE IsClosed = 'true'", "INVALID_QUERY_FILTER_OPERATOR", "must be of type boolean and should not be enclosed in quotes")]
    [InlineData("SELECT Name FROM Opportunity WHERE Name = 5", "INVALID_QUERY_FILTER_OPERATOR", "must be of type string and should be enclosed in quotes")]
    [InlineData("SELECT Name FROM Opportunity WHERE Amount = '5'", "INVALID_QUERY_FILTER_OPERATOR", "")]
    [InlineData("SELECT Name FROM Opportunity WHERE Description = 'x'", "INVALID_FIELD", "field 'Description' can not be filtered in a query call")]
    [InlineData("SELECT Name FROM Opportunity GROUP BY StageName", "MALFORMED_QUERY", "Field must be grouped or aggregated: Name")]
    [InlineData("SELECT FIELDS(ALL) FROM Opportunity", "MALFORMED_QUERY", "The SOQL FIELDS function must have a LIMIT of at most 200")]
    public async Task InvalidQueries_FailWithSalesforceErrorCodes(string soql, string code, string fragment)
    {
        var response = await FailAsync(soql, code);
        Assert.Contains(fragment, response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorMessages_PointAtTheOffendingColumn()
    {
        var response = await FailAsync("SELECT Id, Nme FROM Opportunity", "INVALID_FIELD");
        Assert.StartsWith("\nSELECT Id, Nme FROM Opportunity\n           ^\nERROR at Row:1:Column:12\nNo such column 'Nme'", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelectedRelationshipsAndChildren_AreNestedLikeSalesforce()
    {
        var response = await _host.QueryAsync("SELECT Id, Name, Amount, CloseDate, IsWon, Account.Name, Account.Owner.Name, (SELECT Subject, Status FROM Tasks ORDER BY Subject) FROM Opportunity WHERE Name IN ('Alpha', 'Gamma', 'Delta''s deal') ORDER BY Name");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);

        response = await _host.QueryAsync("SELECT Id, Name, Amount, CloseDate, IsWon, Account.Name, Account.Owner.Name, (SELECT Subject, Status FROM Tasks ORDER BY Subject) FROM Opportunity WHERE Name IN ('Alpha', 'Delta\\'s deal') ORDER BY Name");
        var records = response.Body!["records"]!.AsArray();
        var alpha = records[0]!.AsObject();
        Assert.Equal(["attributes", "Id", "Name", "Amount", "CloseDate", "IsWon", "Account", "Tasks"], alpha.Select(p => p.Key));
        Assert.Equal("Account", alpha["Account"]!["attributes"]!["type"]!.GetValue<string>());
        Assert.Equal($"/services/data/v66.0/sobjects/Account/{_acme}", alpha["Account"]!["attributes"]!["url"]!.GetValue<string>());
        Assert.Equal("Acme", alpha["Account"]!["Name"]!.GetValue<string>());
        Assert.Equal("Aria Integration", alpha["Account"]!["Owner"]!["Name"]!.GetValue<string>());
        Assert.Equal("User", alpha["Account"]!["Owner"]!["attributes"]!["type"]!.GetValue<string>());
        var tasks = alpha["Tasks"]!.AsObject();
        Assert.Equal(2, tasks["totalSize"]!.GetValue<int>());
        Assert.True(tasks["done"]!.GetValue<bool>());
        Assert.Equal(["Call 1", "Call 2"], tasks["records"]!.AsArray().Select(t => t!["Subject"]!.GetValue<string>()));
        Assert.Equal("Task", tasks["records"]![0]!["attributes"]!["type"]!.GetValue<string>());

        var delta = records[1]!.AsObject();
        Assert.Null(delta["Account"]);
        Assert.True(delta.ContainsKey("Account"));
        Assert.Null(delta["Tasks"]);
        Assert.Equal(75.5m, delta["Amount"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task PolymorphicRelationships_ResolveByIdPrefix()
    {
        var response = await _host.QueryAsync("SELECT Subject, What.Name, What.Type FROM Task WHERE What.Type = 'Opportunity' ORDER BY Subject");
        var first = response.Body!["records"]![0]!;
        Assert.Equal("Alpha", first["What"]!["Name"]!.GetValue<string>());
        Assert.Equal("Opportunity", first["What"]!["Type"]!.GetValue<string>());
        Assert.Equal("Opportunity", first["What"]!["attributes"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task CountAndAggregates_ReturnSalesforceShapes()
    {
        var count = await _host.QueryAsync("SELECT COUNT() FROM Opportunity WHERE IsClosed = false");
        Assert.Equal("""{"totalSize":3,"done":true,"records":[]}""", count.Text);

        var grouped = await _host.QueryAsync("SELECT StageName, COUNT(Id) n, SUM(Amount) FROM Opportunity WHERE IsClosed = true GROUP BY StageName ORDER BY StageName");
        var rows = grouped.Body!["records"]!.AsArray();
        Assert.Equal(2, grouped.Body!["totalSize"]!.GetValue<int>());
        Assert.Equal("AggregateResult", rows[0]!["attributes"]!["type"]!.GetValue<string>());
        Assert.Equal("Closed Lost", rows[0]!["StageName"]!.GetValue<string>());
        Assert.Equal(1, rows[0]!["n"]!.GetValue<int>());
        Assert.Null(rows[0]!["expr0"]);
        Assert.Equal(250m, rows[1]!["expr0"]!.GetValue<decimal>());

        var max = await _host.QueryAsync("SELECT MAX(CloseDate), MIN(Amount), COUNT_DISTINCT(AccountId) FROM Opportunity");
        Assert.Equal("2026-04-01", max.Body!["records"]![0]!["expr0"]!.GetValue<string>());
        Assert.Equal(10m, max.Body!["records"]![0]!["expr1"]!.GetValue<decimal>());
        Assert.Equal(2, max.Body!["records"]![0]!["expr2"]!.GetValue<int>());
    }

    [Fact]
    public async Task QueryAll_IncludesDeletedRows_AndQueryDoesNot()
    {
        Assert.True(_host.Org.Delete("Opportunity", _opps["Beta"]));
        Assert.DoesNotContain("Beta", await NamesAsync("SELECT Name FROM Opportunity"));
        var all = await _host.QueryAsync("SELECT Name, IsDeleted FROM Opportunity WHERE Name = 'Beta'", all: true);
        Assert.Equal(1, all.Body!["totalSize"]!.GetValue<int>());
        Assert.True(all.Body!["records"]![0]!["IsDeleted"]!.GetValue<bool>());
        var deletedOnly = await _host.QueryAsync("SELECT Name FROM Opportunity WHERE IsDeleted = true", all: true);
        Assert.Equal(1, deletedOnly.Body!["totalSize"]!.GetValue<int>());
    }

    [Fact]
    public async Task FieldsStandard_ExpandsToAllStandardFields()
    {
        var response = await _host.QueryAsync("SELECT FIELDS(STANDARD) FROM Opportunity WHERE Name = 'Alpha'");
        var record = response.Body!["records"]![0]!.AsObject();
        Assert.True(record.ContainsKey("StageName"));
        Assert.True(record.ContainsKey("SystemModstamp"));
        Assert.True(record.ContainsKey("ExpectedRevenue"));
    }

    [Fact]
    public async Task MissingQueryParameter_IsMalformed()
    {
        var response = await _host.GetAsync(SfTestHost.Data("query"));
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("MALFORMED_QUERY", response.ErrorCode);
    }

    [Fact]
    public async Task UnencodedPlusInDateTimeOffset_IsMalformedLikeSalesforce()
    {
        var response = await _host.GetAsync(SfTestHost.Data("query?q=SELECT+Id+FROM+Opportunity+WHERE+SystemModstamp+>+2026-01-01T00:00:00+00:00"));
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("MALFORMED_QUERY", response.ErrorCode);
        var encoded = await _host.GetAsync(SfTestHost.Data("query?q=SELECT+Id+FROM+Opportunity+WHERE+SystemModstamp+>+2026-01-01T00:00:00%2B00:00"));
        Assert.Equal(HttpStatusCode.OK, encoded.Status);
        Assert.Equal(5, encoded.Body!["totalSize"]!.GetValue<int>());
    }
}
