using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>
/// A CRM the library keeps lead memories in sync with: an open value named by its wire value, so a gateway package can
/// add a CRM (Microsoft Dynamics 365, Pipedrive, …) without a change to this library.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Salesforce"/> (<c>salesforce</c>) and <see cref="HubSpot"/> (<c>hubspot</c>) are well known; any other
/// valid wire value names a CRM served by a third-party gateway. The value is what the library stores, exports and
/// serializes — JSON, database columns and audit entries hold the wire value exactly as the enum this type replaced did,
/// so existing data reads back unchanged, and an unknown value round-trips.
/// </para>
/// <para>
/// A wire value is 1 to 64 characters: a lowercase ASCII letter, then lowercase ASCII letters, digits, <c>_</c> or
/// <c>-</c>. Nothing is normalized (<c>Salesforce</c> is rejected, not lower-cased), so equality is ordinal on the wire
/// value and two equal providers always store the same text.
/// </para>
/// <para>
/// <c>default(CrmProvider)</c> names no CRM (<see cref="IsDefault"/>): the library's public methods reject it with an
/// <see cref="ArgumentOutOfRangeException"/>, and serializing it fails.
/// </para>
/// <para>
/// JSON reads any valid wire value and nothing else (no numbers, no other casing). Configuration binding
/// (<c>"Provider": "Salesforce"</c>) trims and lower-cases the text first, as binding the former enum was
/// case-insensitive.
/// </para>
/// </remarks>
[JsonConverter(typeof(CrmProviderJsonConverter))]
[TypeConverter(typeof(CrmProviderTypeConverter))]
public readonly struct CrmProvider : IEquatable<CrmProvider>
{
    /// <summary>The longest wire value, in characters.</summary>
    public const int MaxLength = 64;

    private readonly string? _value;

    /// <summary>Initializes a new instance of the <see cref="CrmProvider"/> struct.</summary>
    /// <param name="value">The wire value, for example <c>pipedrive</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not a valid wire value (see the remarks).</exception>
    public CrmProvider(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!IsValidWireValue(value))
        {
            throw new ArgumentException(DescribeInvalid(value), nameof(value));
        }

        _value = value;
    }

    /// <summary>Gets Salesforce (Opportunities). Wire value <c>salesforce</c>.</summary>
    public static CrmProvider Salesforce { get; } = new("salesforce");

    /// <summary>Gets HubSpot (Deals). Wire value <c>hubspot</c>.</summary>
    public static CrmProvider HubSpot { get; } = new("hubspot");

    /// <summary>Gets the wire value, for example <c>salesforce</c>; the empty string for <c>default(CrmProvider)</c>.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>Gets a value indicating whether this is <c>default(CrmProvider)</c>, which names no CRM.</summary>
    public bool IsDefault => _value is null;

    /// <summary>Compares two providers by wire value (ordinal).</summary>
    /// <param name="left">The first provider.</param>
    /// <param name="right">The second provider.</param>
    /// <returns><see langword="true"/> when both have the same wire value.</returns>
    public static bool operator ==(CrmProvider left, CrmProvider right) => left.Equals(right);

    /// <summary>Compares two providers by wire value (ordinal).</summary>
    /// <param name="left">The first provider.</param>
    /// <param name="right">The second provider.</param>
    /// <returns><see langword="true"/> when the wire values differ.</returns>
    public static bool operator !=(CrmProvider left, CrmProvider right) => !left.Equals(right);

    /// <summary>Tells whether <paramref name="value"/> is a valid wire value (see the remarks of <see cref="CrmProvider"/>).</summary>
    /// <param name="value">The text.</param>
    /// <returns><see langword="true"/> when a provider can be made of it.</returns>
    public static bool IsValidWireValue([NotNullWhen(true)] string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || value[0] is < 'a' or > 'z')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses a wire value, known or not.</summary>
    /// <param name="value">The wire value.</param>
    /// <param name="provider">The provider when <paramref name="value"/> is valid.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> is a valid wire value.</returns>
    public static bool TryParse([NotNullWhen(true)] string? value, out CrmProvider provider)
    {
        if (!IsValidWireValue(value))
        {
            provider = default;
            return false;
        }

        provider = value == "salesforce" ? Salesforce : value == "hubspot" ? HubSpot : new CrmProvider(value);
        return true;
    }

    /// <inheritdoc />
    public bool Equals(CrmProvider other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is CrmProvider other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    /// <summary>Returns the wire value (<see cref="Value"/>).</summary>
    /// <returns>The wire value.</returns>
    public override string ToString() => Value;

    internal static string DescribeInvalid(string? value)
        => $"'{Shorten(value)}' is not a valid CrmProvider: expected 1 to {MaxLength} characters, a lowercase ASCII letter then lowercase letters, digits, '_' or '-' (for example salesforce, hubspot).";

    private static string Shorten(string? value)
        => value is null ? "null" : value.Length <= MaxLength ? value : string.Concat(value.AsSpan(0, MaxLength), "…");
}
