using System.Net;
using System.Text;
using System.Text.Json;
using Aria.CrmSync.Gateways.Http;

namespace Aria.CrmSync.IntegrationTests.Http;

/// <summary>
/// <see cref="CrmHttpResponse.TryReadRows"/>: a large body (a query page, a Collections retrieve) read one row at a time
/// instead of as one document, with the same errors as <see cref="CrmHttpResponse.Json"/> and no row handed over from a
/// body that turns out malformed.
/// </summary>
public sealed class CrmHttpResponseRowsTests
{
    [Fact]
    public void QueryPage_HandsEachRowAndTheOtherProperties()
    {
        var response = Response("""{"totalSize":3,"done":false,"nextRecordsUrl":"/services/data/v60.0/query/01g-2000","records":[{"Id":"006A"},{"Id":"006B","Name":"x\ud800y"},{"Id":"006C"}]}""");
        var rows = new List<string>();
        var properties = new Dictionary<string, string>();

        var read = response.TryReadRows(CrmProvider.Salesforce, "records", row => rows.Add(row.GetProperty("Id").GetString() + (row.TryGetProperty("Name", out var name) ? " " + name.GetString() : string.Empty)), (name, value) => properties[name] = value.GetRawText());

        Assert.True(read);
        Assert.Equal(["006A", "006B x\ufffdy", "006C"], rows); // an escaped lone surrogate becomes U+FFFD, as in Json
        Assert.Equal("3", properties["totalSize"]);
        Assert.Equal("false", properties["done"]);
        Assert.Equal("\"/services/data/v60.0/query/01g-2000\"", properties["nextRecordsUrl"]);
    }

    [Fact]
    public void TopLevelArray_HandsEachItem_NullsIncluded()
    {
        var response = Response("""[{"Id":"006A"},null,{"Id":"006C"}]""");
        var kinds = new List<JsonValueKind>();

        Assert.True(response.TryReadRows(CrmProvider.Salesforce, rowsProperty: null, row => kinds.Add(row.ValueKind)));
        Assert.Equal([JsonValueKind.Object, JsonValueKind.Null, JsonValueKind.Object], kinds);
    }

    [Theory]
    [InlineData("""{"done":true,"records":[{"Id":"006A"},{"Id":"006B"},{"Id":""")]
    [InlineData("""[{"Id":"006A"},{"Id":"006B"}""")]
    [InlineData("""[{"Id":"006A"},{"Id":"006B"}]]""")]
    public void MalformedBody_IsADataException_AndNoRowIsHandedOver(string body)
    {
        var response = Response(body);
        var rows = 0;

        var ex = Assert.Throws<CrmSyncDataException>(() => response.TryReadRows(CrmProvider.Salesforce, body.StartsWith('{') ? "records" : null, _ => rows++));

        Assert.Contains("malformed JSON body", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, rows);
    }

    [Theory]
    [InlineData("""{"done":true,"records":{"Id":"006A"}}""", "records")]
    [InlineData("""{"done":true}""", "records")]
    [InlineData("""[{"Id":"006A"}]""", "records")]
    [InlineData("""{"records":[]}""", null)]
    public void AnotherShape_IsNotRead(string body, string? rowsProperty)
    {
        var rows = 0;

        Assert.False(Response(body).TryReadRows(CrmProvider.Salesforce, rowsProperty, _ => rows++));
        Assert.Equal(0, rows);
    }

    [Fact]
    public void EmptyArray_IsReadWithNoRows()
    {
        var rows = 0;

        Assert.True(Response("""{"totalSize":0,"done":true,"records":[]}""").TryReadRows(CrmProvider.Salesforce, "records", _ => rows++));
        Assert.Equal(0, rows);
    }

    private static CrmHttpResponse Response(string body)
    {
        using var message = new HttpResponseMessage();
        return new CrmHttpResponse("query", HttpStatusCode.OK, message.Headers, null, Encoding.UTF8.GetBytes(body));
    }
}
