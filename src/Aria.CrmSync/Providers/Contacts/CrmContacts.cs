namespace Aria.CrmSync.Providers;

/// <summary>The order and de-duplication every contact reader gives its result (see <see cref="ICrmContactReader"/>).</summary>
internal static class CrmContacts
{
    /// <summary>One entry per contact (a primary role wins, then the first role seen), primary first, then by name (nameless last) and id.</summary>
    public static IReadOnlyList<CrmContact> Order(IEnumerable<CrmContact> contacts)
        => contacts
            .GroupBy(c => c.Id, StringComparer.Ordinal)
            .Select(g => g.FirstOrDefault(c => c.IsPrimary) ?? g.First())
            .OrderByDescending(c => c.IsPrimary)
            .ThenBy(c => c.Name is null)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .ThenBy(c => c.Id, StringComparer.Ordinal)
            .ToList();
}
