using System.Net;
using System.Text;
using Aria.CrmSync.Gateways.Http;

namespace Aria.CrmSync.IntegrationTests.Security;

/// <summary>
/// Regression for a bug the response fuzzing found: a body with an escaped lone surrogate (<c>"\ud800"</c>) parsed,
/// then reading the string threw a raw <see cref="InvalidOperationException"/> out of both gateways. The first fix failed
/// such a call closed, which made one bad value stop every later sync of the connection at the same page; the rule now
/// is the one for all CRM text: a lone surrogate becomes U+FFFD (docs/security.md, "Hostile CRM data").
/// </summary>
public sealed class LoneSurrogateBodyTests
{
    [Theory]
    [InlineData("{\"Name\":\"\\ud800\"}", "Name", "\ufffd")]
    [InlineData("{\"Name\":\"x\\udc00y\"}", "Name", "x\ufffdy")]
    [InlineData("{\"Name\":\"\\udc00\\ud800\"}", "Name", "\ufffd\ufffd")]
    [InlineData("{\"Name\":\"\\\\ud800\"}", "Name", "\\ud800")] // an escaped backslash, then the text "ud800": not an escape
    public void Json_LoneSurrogate_BecomesReplacementCharacter(string body, string property, string expected)
    {
        using var message = new HttpResponseMessage();
        var response = new CrmHttpResponse("deals.get", HttpStatusCode.OK, message.Headers, null, Encoding.UTF8.GetBytes(body));

        using var document = response.Json(CrmProvider.HubSpot);

        Assert.Equal(expected, document.RootElement.GetProperty(property).GetString());
        Assert.Equal(expected.Contains('\ufffd', StringComparison.Ordinal), response.TextRepaired);
    }

    [Fact]
    public void Json_LoneSurrogateInAKey_BecomesReplacementCharacter()
    {
        using var message = new HttpResponseMessage();
        var response = new CrmHttpResponse("deals.get", HttpStatusCode.OK, message.Headers, null, Encoding.UTF8.GetBytes("{\"\\ud800\":1}"));

        using var document = response.Json(CrmProvider.HubSpot);

        Assert.Equal(1, document.RootElement.GetProperty("\ufffd").GetInt32());
    }

    [Fact]
    public void Json_EscapedSurrogatePair_StillParses()
    {
        using var message = new HttpResponseMessage();
        var body = Encoding.UTF8.GetBytes("{\"Name\":\"\\ud835\\udd18 😀\"}");
        var response = new CrmHttpResponse("sobject.get", HttpStatusCode.OK, message.Headers, null, body);

        using var document = response.Json(CrmProvider.Salesforce);

        Assert.Equal("𝔘 😀", document.RootElement.GetProperty("Name").GetString());
    }
}
