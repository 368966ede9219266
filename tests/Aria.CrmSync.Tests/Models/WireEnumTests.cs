using System.Text.Json;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Tests.Models;

public class WireEnumTests
{
    [Fact]
    public void CrmProvider_WireValues_MatchSeed()
    {
        Assert.Equal("salesforce", WireValue.Format(CrmProvider.Salesforce));
        Assert.Equal("hubspot", WireValue.Format(CrmProvider.HubSpot));
    }

    [Fact]
    public void SyncStatus_WireValues_MatchSeed()
    {
        Assert.Equal(["synced", "pending", "conflict", "error"], WireValue.All<SyncStatus>());
    }

    [Fact]
    public void SyncDirection_WireValues_MatchSeed()
    {
        Assert.Equal(["push", "pull", "bidirectional"], WireValue.All<SyncDirection>());
    }

    [Fact]
    public void ConflictResolution_WireValues_MatchSeed()
    {
        Assert.Equal(["crm_wins", "aria_wins", "merge", "manual"], WireValue.All<ConflictResolution>());
    }

    [Fact]
    public void CrmAuditOperation_WireValues_MatchSeed()
    {
        Assert.Equal(["push", "pull", "conflict_detected", "conflict_resolved", "error", "retry"], WireValue.All<CrmAuditOperation>());
    }

    [Theory]
    [InlineData("crm_wins", ConflictResolution.CrmWins)]
    [InlineData("aria_wins", ConflictResolution.AriaWins)]
    [InlineData("merge", ConflictResolution.Merge)]
    [InlineData("manual", ConflictResolution.Manual)]
    public void Parse_KnownValue_RoundTrips(string wire, ConflictResolution expected)
    {
        Assert.Equal(expected, WireValue.Parse<ConflictResolution>(wire));
        Assert.Equal($"\"{wire}\"", JsonSerializer.Serialize(expected));
        Assert.Equal(expected, JsonSerializer.Deserialize<ConflictResolution>($"\"{wire}\""));
    }

    [Theory]
    [InlineData("Synced")]
    [InlineData("SYNCED")]
    [InlineData("archived")]
    [InlineData("")]
    public void Parse_UnknownValue_ThrowsFormatExceptionListingAcceptedValues(string wire)
    {
        var ex = Assert.Throws<FormatException>(() => WireValue.Parse<SyncStatus>(wire));
        Assert.Contains("synced, pending, conflict, error", ex.Message);
        Assert.Contains(nameof(SyncStatus), ex.Message);
    }

    [Fact]
    public void Deserialize_UnknownValue_ThrowsJsonExceptionNamingTheValue()
    {
        var ex = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<SyncStatus>("\"archived\""));
        Assert.Contains("'archived'", ex.Message);
    }

    [Fact]
    public void Deserialize_Number_IsRejected()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<SyncStatus>("1"));
    }
}
