using System.Text.Json.Nodes;
using Xunit.Sdk;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

public sealed class JsonShapeTests
{
    [Theory]
    [InlineData("""{"a":1}""", """{"a":2}""")]
    [InlineData("""{"a":"2013-04-04T20:52:22.000+0000"}""", """{"a":"2026-01-01T00:00:00.000+0000"}""")]
    [InlineData("""[{"id":"x","ok":true}]""", """[{"id":"y","ok":false},{"id":"z","ok":true}]""")]
    [InlineData("""{"a":null}""", """{"a":null}""")]
    public void SameShapes_Pass(string expected, string actual)
        => JsonShape.AssertSameShape(JsonNode.Parse(expected), JsonNode.Parse(actual));

    [Theory]
    [InlineData("""{"a":1}""", """{"a":"1"}""")]
    [InlineData("""{"a":1}""", """{"b":1}""")]
    [InlineData("""{"a":1}""", """{"a":1,"b":2}""")]
    [InlineData("""{"a":[]}""", """{"a":[1]}""")]
    [InlineData("""{"a":[1]}""", """{"a":[]}""")]
    [InlineData("""{"a":{"b":true}}""", """{"a":{"b":"true"}}""")]
    [InlineData("""{"a":"2013-04-04T20:52:22.000+0000"}""", """{"a":"2013-04-04T20:52:22Z"}""")]
    [InlineData("""{"a":"2010-01-01"}""", """{"a":"01/01/2010"}""")]
    [InlineData("""{"a":null}""", """{"a":1}""")]
    [InlineData("""[{"x":1},{"y":1}]""", """[{"x":1},{"x":1}]""")]
    public void DifferentShapes_Fail(string expected, string actual)
        => Assert.Throws<XunitException>(() => JsonShape.AssertSameShape(JsonNode.Parse(expected), JsonNode.Parse(actual)));

    [Fact]
    public void Rename_MapsDottedPathsThroughArrays()
    {
        var renamed = JsonShape.Rename(JsonNode.Parse("""{"records":[{"Text_Label":"x","Parent__r":{"Text_Label":"y"}}]}"""), new Dictionary<string, string>
        {
            ["records.Text_Label"] = "Name",
            ["records.Parent__r.Text_Label"] = "Description",
        });
        Assert.Equal("""{"records":[{"Name":"x","Parent__r":{"Description":"y"}}]}""", renamed!.ToJsonString());
    }
}
