using Aria.CrmSync.Storage;

namespace Aria.CrmSync.Sync;

/// <summary>
/// The rules of a contact pull (CRM → lead): a record's contacts made storable, compared with the lead's
/// <see cref="LeadMemory.Stakeholders"/>, and the change described for the audit trail without personal data.
/// </summary>
internal static class StakeholderPull
{
    /// <summary>The audit <c>operation</c> of a contact pull (as <c>pull_activities</c> is an activity pull's).</summary>
    public const string Operation = "pull_contacts";

    /// <summary>The lead field a contact pull writes, as a field pull names the fields it updates.</summary>
    public const string Field = "stakeholders";

    /// <summary>
    /// Makes CRM contacts storable: text with U+0000 or a lone surrogate is repaired as every CRM text is
    /// (<see cref="StorableText.Repair"/>). Returns the first contact id no store can hold as a problem instead (the lead
    /// is then left as it is and the problem audited).
    /// </summary>
    public static (IReadOnlyList<CrmContact> Contacts, string? Problem) Storable(IReadOnlyList<CrmContact> contacts)
    {
        var result = new List<CrmContact>(contacts.Count);
        foreach (var contact in contacts)
        {
            if (StorableText.IdProblem(contact.Id) is { } problem)
            {
                return ([], $"a contact id {problem}");
            }

            var repaired = false;
            result.Add(contact with
            {
                Name = StorableText.Repair(contact.Name, ref repaired),
                Email = StorableText.Repair(contact.Email, ref repaired),
                Title = StorableText.Repair(contact.Title, ref repaired),
                Role = StorableText.Repair(contact.Role, ref repaired),
            });
        }

        return (result, null);
    }

    /// <summary>Whether the lead already has exactly these stakeholders, in this order (the gateways order them the same way every time).</summary>
    public static bool Same(IReadOnlyList<CrmContact> stored, IReadOnlyList<CrmContact> pulled) => stored.SequenceEqual(pulled);

    /// <summary>
    /// The audit details of a lead whose stakeholders changed: the record, the field, and which contacts (by CRM id) were
    /// added, removed or changed and which of their attributes changed — never a name, email, title or role, which are
    /// personal data the lead store holds and the append-only trail must not.
    /// </summary>
    public static Dictionary<string, object?> Details(string crmId, IReadOnlyList<CrmContact> before, IReadOnlyList<CrmContact> after)
    {
        var old = Index(before);
        var now = Index(after);
        var changed = now.Where(p => old.TryGetValue(p.Key, out var was) && was != p.Value).Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();
        var attributes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var id in changed)
        {
            var (was, @is) = (old[id], now[id]);
            AddIf(attributes, "name", was.Name != @is.Name);
            AddIf(attributes, "email", was.Email != @is.Email);
            AddIf(attributes, "title", was.Title != @is.Title);
            AddIf(attributes, "role", was.Role != @is.Role);
            AddIf(attributes, "is_primary", was.IsPrimary != @is.IsPrimary);
        }

        return new Dictionary<string, object?>
        {
            ["operation"] = Operation,
            ["crm_id"] = crmId,
            ["direction"] = Serialization.WireValue.Format(SyncDirection.Pull),
            ["fields_updated"] = new[] { Field },
            ["stakeholders_count"] = after.Count,
            ["contacts_added"] = now.Keys.Where(id => !old.ContainsKey(id)).Order(StringComparer.Ordinal).ToArray(),
            ["contacts_removed"] = old.Keys.Where(id => !now.ContainsKey(id)).Order(StringComparer.Ordinal).ToArray(),
            ["contacts_changed"] = changed,
            ["attributes_changed"] = attributes.ToArray(),
        };
    }

    private static Dictionary<string, CrmContact> Index(IReadOnlyList<CrmContact> contacts)
    {
        var index = new Dictionary<string, CrmContact>(StringComparer.Ordinal);
        foreach (var contact in contacts)
        {
            index.TryAdd(contact.Id, contact);
        }

        return index;
    }

    private static void AddIf(SortedSet<string> set, string value, bool condition)
    {
        if (condition)
        {
            set.Add(value);
        }
    }
}
