using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Aria.CrmSync.Serialization;

/// <summary>Converts the library's enums to and from their wire values (the seed plan's strings).</summary>
/// <remarks>Parsing is exact and case-sensitive: an unknown value is an error, never a silent default.</remarks>
public static class WireValue
{
    /// <summary>Returns the wire value of <paramref name="value"/>, for example <c>crm_wins</c>.</summary>
    /// <typeparam name="TEnum">An enum whose members carry <see cref="WireValueAttribute"/>.</typeparam>
    /// <param name="value">The enum value.</param>
    /// <returns>The wire value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not a defined member.</exception>
    public static string Format<TEnum>(TEnum value)
        where TEnum : struct, Enum
        => Map<TEnum>.ToWire.TryGetValue(value, out var wire)
            ? wire
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"{value} is not a defined {typeof(TEnum).Name}.");

    /// <summary>Returns the wire value of a CRM provider, for example <c>hubspot</c> (see <see cref="CrmProvider.Value"/>).</summary>
    /// <param name="value">The provider.</param>
    /// <returns>The wire value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is <c>default(CrmProvider)</c>, which names no CRM.</exception>
    public static string Format(CrmProvider value)
        => value.IsDefault
            ? throw new ArgumentOutOfRangeException(nameof(value), "default(CrmProvider) names no CRM.")
            : value.Value;

    /// <summary>Parses a wire value.</summary>
    /// <typeparam name="TEnum">An enum whose members carry <see cref="WireValueAttribute"/>.</typeparam>
    /// <param name="value">The wire value, for example <c>synced</c>.</param>
    /// <returns>The enum member.</returns>
    /// <exception cref="FormatException"><paramref name="value"/> is not one of the enum's wire values; the message lists the accepted values.</exception>
    public static TEnum Parse<TEnum>(string? value)
        where TEnum : struct, Enum
        => TryParse<TEnum>(value, out var result)
            ? result
            : throw new FormatException(DescribeInvalid<TEnum>(value));

    /// <summary>Tries to parse a wire value.</summary>
    /// <typeparam name="TEnum">An enum whose members carry <see cref="WireValueAttribute"/>.</typeparam>
    /// <param name="value">The wire value.</param>
    /// <param name="result">The enum member when the value is known.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> is a known wire value.</returns>
    public static bool TryParse<TEnum>([NotNullWhen(true)] string? value, out TEnum result)
        where TEnum : struct, Enum
    {
        if (value is not null && Map<TEnum>.FromWire.TryGetValue(value, out result))
        {
            return true;
        }

        result = default;
        return false;
    }

    /// <summary>Gets every wire value of <typeparamref name="TEnum"/> in declaration order.</summary>
    /// <typeparam name="TEnum">An enum whose members carry <see cref="WireValueAttribute"/>.</typeparam>
    /// <returns>The wire values.</returns>
    public static IReadOnlyList<string> All<TEnum>()
        where TEnum : struct, Enum
        => Map<TEnum>.Ordered;

    internal static string DescribeInvalid<TEnum>(string? value)
        where TEnum : struct, Enum
        => $"'{value ?? "null"}' is not a valid {typeof(TEnum).Name}; expected one of: {string.Join(", ", Map<TEnum>.Ordered)}.";

    private static class Map<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly FrozenDictionary<TEnum, string> ToWire;
        public static readonly FrozenDictionary<string, TEnum> FromWire;
        public static readonly string[] Ordered;

        [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1810:Initialize reference type static fields inline", Justification = "Three related tables built together.")]
        static Map()
        {
            var pairs = new List<KeyValuePair<TEnum, string>>();
            foreach (var field in typeof(TEnum).GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                var wire = field.GetCustomAttribute<WireValueAttribute>()?.Value
                    ?? throw new InvalidOperationException($"{typeof(TEnum).Name}.{field.Name} has no [WireValue].");
                pairs.Add(new((TEnum)field.GetValue(null)!, wire));
            }

            ToWire = pairs.ToFrozenDictionary();
            FromWire = pairs.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
            Ordered = pairs.Select(p => p.Value).ToArray();
        }
    }
}
