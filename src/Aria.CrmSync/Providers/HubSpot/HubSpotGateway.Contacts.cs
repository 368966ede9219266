using System.Runtime.CompilerServices;

namespace Aria.CrmSync.Providers.HubSpot;

/// <content>
/// Contacts: each deal's deal→contact associations (v4 batch read, with their labels), then the contacts' name, email
/// and job title (v3 batch read, 100 per call); and the feed of deals whose contacts were edited.
/// https://developers.hubspot.com/docs/api-reference/crm-associations-v4/batch/post-crm-v4-associations-fromObjectType-toObjectType-batch-read
/// </content>
internal sealed partial class HubSpotGateway : ICrmContactReader
{
    /// <summary>The label HubSpot gives a primary association (as on contact→company); HubSpot defines none for deal→contact, a portal may.</summary>
    private const string PrimaryLabel = "Primary";

    /// <summary>The contacts' searchable modification time (contacts have <c>lastmodifieddate</c>, deals <c>hs_lastmodifieddate</c>).</summary>
    private const string ContactModified = "lastmodifieddate";

    private static readonly string[] ContactProperties = ["firstname", "lastname", "email", "jobtitle"];

    /// <summary>
    /// ⌈deals/1,000⌉ association reads plus ⌈contacts/100⌉ contact reads. The role is the association's first label other
    /// than <c>Primary</c> (a portal's user-defined deal→contact label, e.g. "Decision maker"); an associated contact the
    /// batch read no longer finds keeps its id with no name, email or title.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<CrmContact>>> GetContactsAsync(CrmConnection connection, IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(crmIds);
        foreach (var id in crmIds)
        {
            RequireId(id, nameof(crmIds));
        }

        var ids = crmIds.Distinct(StringComparer.Ordinal).ToList();
        var associations = ids.Count == 0
            ? []
            : await AssociationsAsync(connection, "deals", "contacts", ids, cancellationToken).ConfigureAwait(false);
        var contactIds = associations.Values.SelectMany(list => list.Select(a => a.ToId)).Distinct(StringComparer.Ordinal).ToList();
        var contacts = contactIds.Count == 0
            ? []
            : (await BatchReadAsync(connection, "contacts", contactIds, ContactProperties, cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        return ids.ToDictionary(
            id => id,
            id => CrmContacts.Order(associations.TryGetValue(id, out var list) ? list.Select(a => ToContact(a, contacts.GetValueOrDefault(a.ToId))) : []),
            StringComparer.Ordinal);
    }

    private static CrmContact ToContact(HubSpotAssociation association, HubSpotObjectData? contact)
    {
        string? Property(string name) => contact?.Properties.GetValueOrDefault(name) is { Length: > 0 } value ? value : null;
        var name = string.Join(' ', new[] { Property("firstname"), Property("lastname") }.Where(p => p is not null));
        return new CrmContact
        {
            Id = association.ToId,
            Name = name.Length > 0 ? name : null,
            Email = Property("email"),
            Title = Property("jobtitle"),
            Role = association.Labels.FirstOrDefault(l => !string.Equals(l, PrimaryLabel, StringComparison.Ordinal)),
            IsPrimary = association.Labels.Contains(PrimaryLabel, StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// Contacts modified after <paramref name="since"/> (CRM search on <c>lastmodifieddate</c>, keyset pages as the deal
    /// change feed reads them), each page mapped to the deals those contacts are associated with (v4 batch read). An
    /// association added or removed is not listed here: HubSpot recalculates the deal's <c>num_associated_contacts</c>,
    /// which changes the deal's <c>hs_lastmodifieddate</c>, so the deal's own change feed (<see cref="GetChangesAsync"/>)
    /// lists it.
    /// </summary>
    public async IAsyncEnumerable<CrmContactChangePage> GetContactChangesAsync(CrmConnection connection, CrmCursor? since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await foreach (var (items, cursor) in StreamAsync(connection, "contacts", [ContactModified], since, cancellationToken, ContactModified).ConfigureAwait(false))
        {
            var deals = await AssociatedIdsAsync(connection, "contacts", "deals", items.Select(i => i.Id).ToList(), cancellationToken).ConfigureAwait(false);
            yield return new CrmContactChangePage(deals.Values.SelectMany(ids => ids).Distinct(StringComparer.Ordinal).ToList(), cursor);
        }
    }
}
