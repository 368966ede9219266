namespace Aria.CrmSync.Fields;

/// <summary>
/// The rules of a catalogue lead field that both the catalogue (<c>CrmFieldCatalogChecks</c>) and the stores
/// (<c>StoreInput</c>, for <see cref="LeadMemory.CustomFields"/>) apply: one definition, so a name the catalogue accepts is
/// one every store keeps, and a stored value is one a field can hold.
/// </summary>
/// <remarks>Shared source: compiled into the contracts package, the engine package and each store package.</remarks>
internal static class LeadFieldRules
{
    /// <summary>The longest lead field name, in characters.</summary>
    public const int MaxNameLength = 64;

    /// <summary>The longest value of a text field (a long text's limit, as Salesforce's long text area), in UTF-16 code units.</summary>
    public const int MaxValueLength = 131_072;

    /// <summary>Whether <paramref name="name"/> is a lead field name: 1 to <see cref="MaxNameLength"/> characters, a lowercase ASCII letter, then lowercase letters, digits or '_'.</summary>
    public static bool IsName(string? name)
        => name is { Length: > 0 and <= MaxNameLength }
            && char.IsAsciiLetterLower(name[0])
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}
