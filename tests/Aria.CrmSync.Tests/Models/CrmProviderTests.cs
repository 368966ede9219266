using System.ComponentModel;
using System.Text.Json;
using Aria.CrmSync.Serialization;
using Microsoft.Extensions.Configuration;

namespace Aria.CrmSync.Tests.Models;

/// <summary><see cref="CrmProvider"/> is an open value: well-known wire values unchanged, unknown ones round-trip.</summary>
public class CrmProviderTests
{
    private sealed record Holder(CrmProvider Provider, CrmProvider? Optional);

    [Fact]
    public void WellKnown_HaveTheEnumsWireValues_AndEqualTheirParsedForm()
    {
        Assert.Equal("salesforce", CrmProvider.Salesforce.Value);
        Assert.Equal("hubspot", CrmProvider.HubSpot.ToString());
        Assert.Equal(CrmProvider.Salesforce, new CrmProvider("salesforce"));
        Assert.True(CrmProvider.HubSpot == new CrmProvider("hubspot"));
        Assert.True(CrmProvider.HubSpot != CrmProvider.Salesforce);
        Assert.Equal(CrmProvider.HubSpot.GetHashCode(), new CrmProvider("hubspot").GetHashCode());
        Assert.False(CrmProvider.HubSpot.Equals((object)"hubspot"));
    }

    [Fact]
    public void Json_ExistingPayloads_ReadAndWriteExactlyAsBefore()
    {
        const string json = """{"provider":"hubspot","optional":"salesforce"}""";

        var holder = CrmSyncJson.Deserialize<Holder>(json);

        Assert.Equal(CrmProvider.HubSpot, holder.Provider);
        Assert.Equal(CrmProvider.Salesforce, holder.Optional);
        Assert.Equal(json, CrmSyncJson.Serialize(holder));
        Assert.Equal("""{"provider":"hubspot","optional":null}""", CrmSyncJson.Serialize(new Holder(CrmProvider.HubSpot, null)));
    }

    [Fact]
    public void Json_UnknownProvider_RoundTrips_AsADictionaryKeyToo()
    {
        var holder = CrmSyncJson.Deserialize<Holder>("""{"provider":"pipedrive","optional":"dynamics_365"}""");
        var keyed = CrmSyncJson.Deserialize<Dictionary<CrmProvider, int>>("""{"zoho-crm":1,"hubspot":2}""");

        Assert.Equal("pipedrive", holder.Provider.Value);
        Assert.Equal(new CrmProvider("dynamics_365"), holder.Optional);
        Assert.Equal("""{"provider":"pipedrive","optional":"dynamics_365"}""", CrmSyncJson.Serialize(holder));
        Assert.Equal(1, keyed[new CrmProvider("zoho-crm")]);
        Assert.Equal("""{"zoho-crm":1,"hubspot":2}""", CrmSyncJson.Serialize(keyed));
    }

    [Theory]
    [InlineData("""{"provider":"Salesforce","optional":null}""")]
    [InlineData("""{"provider":0,"optional":null}""")]
    [InlineData("""{"provider":"","optional":null}""")]
    [InlineData("""{"provider":"sales force","optional":null}""")]
    [InlineData("""{"provider":"1crm","optional":null}""")]
    [InlineData("""{"provider":null,"optional":null}""")]
    public void Json_MalformedProvider_IsAJsonException(string json)
        => Assert.Throws<JsonException>(() => CrmSyncJson.Deserialize<Holder>(json));

    [Fact]
    public void Json_DefaultProvider_CannotBeWritten()
        => Assert.Throws<ArgumentOutOfRangeException>(() => CrmSyncJson.Serialize(new Holder(default, null)));

    [Theory]
    [InlineData("a", true)]
    [InlineData("pipedrive", true)]
    [InlineData("ms-dynamics_365", true)]
    [InlineData("HubSpot", false)]
    [InlineData("-hubspot", false)]
    [InlineData("hub spot", false)]
    [InlineData("hubspot\n", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Validation_FollowsTheDocumentedRule(string? value, bool valid)
    {
        Assert.Equal(valid, CrmProvider.IsValidWireValue(value));
        Assert.Equal(valid, CrmProvider.TryParse(value, out var parsed));
        Assert.Equal(valid ? value : string.Empty, parsed.Value);
        if (value is not null && !valid)
        {
            Assert.Equal("value", Assert.Throws<ArgumentException>(() => new CrmProvider(value)).ParamName);
        }
    }

    [Fact]
    public void Validation_LengthIsBounded()
    {
        Assert.True(CrmProvider.IsValidWireValue(new string('a', CrmProvider.MaxLength)));
        Assert.False(CrmProvider.IsValidWireValue(new string('a', CrmProvider.MaxLength + 1)));
        Assert.Throws<ArgumentNullException>(() => new CrmProvider(null!));
    }

    [Fact]
    public void Default_NamesNoCrm()
    {
        var none = default(CrmProvider);

        Assert.True(none.IsDefault);
        Assert.False(CrmProvider.Salesforce.IsDefault);
        Assert.Equal(string.Empty, none.Value);
        Assert.NotEqual(CrmProvider.Salesforce, none);
        Assert.Throws<ArgumentOutOfRangeException>(() => WireValue.Format(none));
    }

    [Fact]
    public void Exception_ProviderDetail_RoundTripsAnUnknownProvider()
    {
        var error = new CrmSyncException("boom", new CrmProvider("pipedrive"));

        Assert.Equal("pipedrive", error.Details["provider"]);
        Assert.Equal(new CrmProvider("pipedrive"), error.Provider);
    }

    [Theory]
    [InlineData("Salesforce", "salesforce")]
    [InlineData(" HUBSPOT ", "hubspot")]
    [InlineData("Pipedrive", "pipedrive")]
    public void ConfigurationBinding_IsCaseInsensitive_AsTheEnumWas(string text, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Provider"] = text }).Build();

        Assert.Equal(new CrmProvider(expected), configuration.GetValue<CrmProvider>("Provider"));
        Assert.Equal(expected, TypeDescriptor.GetConverter(typeof(CrmProvider)).ConvertToInvariantString(new CrmProvider(expected)));
    }

    [Fact]
    public void ConfigurationBinding_MalformedText_Fails()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Provider"] = "sales force" }).Build();

        Assert.Throws<InvalidOperationException>(() => configuration.GetValue<CrmProvider>("Provider"));
    }
}
