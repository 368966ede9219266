using System.ComponentModel;
using System.Globalization;

namespace Aria.CrmSync.Serialization;

/// <summary>
/// Converts a <see cref="CrmProvider"/> from and to text for configuration binding (<c>"Provider": "hubspot"</c>).
/// Configuration is written by people, so the text is trimmed and lower-cased first (<c>Salesforce</c> binds as
/// <c>salesforce</c>, as it did when <see cref="CrmProvider"/> was an enum); anything that is then not a valid wire value
/// fails with a <see cref="FormatException"/>.
/// </summary>
internal sealed class CrmProviderTypeConverter : TypeConverter
{
    /// <inheritdoc />
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType)
        => sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    /// <inheritdoc />
    public override bool CanConvertTo(ITypeDescriptorContext? context, Type? destinationType)
        => destinationType == typeof(string) || base.CanConvertTo(context, destinationType);

    /// <inheritdoc />
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
        => value is string text
            ? CrmProvider.TryParse(text.Trim().ToLowerInvariant(), out var provider)
                ? provider
                : throw new FormatException(CrmProvider.DescribeInvalid(text))
            : base.ConvertFrom(context, culture, value);

    /// <inheritdoc />
    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType)
        => destinationType == typeof(string) && value is CrmProvider provider
            ? provider.Value
            : base.ConvertTo(context, culture, value, destinationType);
}
