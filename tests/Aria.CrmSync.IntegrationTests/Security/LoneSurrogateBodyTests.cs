using System.Net;
using System.Text;
using Aria.CrmSync.Providers.Http;

namespace Aria.CrmSync.IntegrationTests.Security;

/// <summary>
/// Regression for a bug the response fuzzing found: a body with an escaped lone surrogate (<c>"\ud800"</c>) parsed,
/// then reading the string threw a raw <see cref="InvalidOperationException"/> out of both gateways.
/// </summary>
public sealed class LoneSurrogateBodyTests
{
    [Theory]
    [InlineData("{\"Name\":\"\\ud800\"}")]
    [InlineData("{\"results\":[{\"properties\":{\"dealname\":\"x\\udc00y\"}}]}")]
    [InlineData("{\"\\ud800\":1}")]
    public void Json_LoneSurrogate_IsATypedDataError(string body)
    {
        using var message = new HttpResponseMessage();
        var response = new CrmHttpResponse("deals.get", HttpStatusCode.OK, message.Headers, null, Encoding.UTF8.GetBytes(body));

        var error = Assert.Throws<CrmSyncDataException>(() => response.Json(CrmProvider.HubSpot));

        Assert.Contains("UTF-16", error.Message, StringComparison.Ordinal);
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
