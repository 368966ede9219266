using System.Text.Json;

namespace Aria.CrmSync.Providers.Salesforce;

/// <content>
/// Contacts: each opportunity's <c>OpportunityContactRole</c> rows with the role's <c>Contact</c> (name, email, title)
/// through the parent relationship, by SOQL in chunks of ids.
/// https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-opportunitycontactrole.html
/// </content>
internal sealed partial class SalesforceGateway : ICrmContactReader
{
    /// <summary>Ids per query: 200 18-character ids keep the query URL near 5 KB, far below the 16,384-character URI limit.</summary>
    private const int ContactRoleQueryChunk = 200;

    private const string ContactRoleFields = "Id, OpportunityId, ContactId, Role, IsPrimary, Contact.Name, Contact.Email, Contact.Title";

    /// <summary>
    /// One query per 200 opportunities (more pages follow <c>nextRecordsUrl</c>). A role whose <c>Contact</c> comes back
    /// <see langword="null"/> (a deleted contact, or one the user cannot see: the object reference warns that roles can
    /// still name such contacts) keeps the contact id with no name, email or title.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<CrmContact>>> GetContactsAsync(CrmConnection connection, IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(crmIds);
        var requested = new List<string>(crmIds.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var crmId in crmIds)
        {
            if (seen.Add(SalesforceIds.Require(crmId, nameof(crmIds))))
            {
                requested.Add(crmId);
            }
        }

        // Rows name opportunities by their 18-character id; the caller's ids may be 15 characters: match on the 15.
        var byRecord = new Dictionary<string, List<(string OpportunityId, CrmContact Contact)>>(StringComparer.Ordinal);
        foreach (var id in requested)
        {
            byRecord.TryAdd(id[..15], []);
        }

        if (requested.Count > 0)
        {
            var call = Begin(connection);
            foreach (var chunk in requested.Chunk(ContactRoleQueryChunk))
            {
                var soql = $"SELECT {ContactRoleFields} FROM OpportunityContactRole WHERE OpportunityId IN {Soql.IdList(chunk)}";
                foreach (var row in await QueryAllRowsAsync(call, soql, ToContactRole, cancellationToken).ConfigureAwait(false))
                {
                    if (byRecord.TryGetValue(row.OpportunityId[..15], out var roles))
                    {
                        roles.Add(row);
                    }
                }
            }
        }

        return requested.ToDictionary(
            id => id,
            id => CrmContacts.Order(byRecord[id[..15]].Select(r => r.Contact)),
            StringComparer.Ordinal);
    }

    private static (string OpportunityId, CrmContact Contact) ToContactRole(JsonElement row, string endpoint)
    {
        var opportunityId = SalesforceJson.RequiredId(row, "OpportunityId", endpoint);
        var contact = SalesforceJson.TryProperty(row, "Contact", out var parent) && parent.ValueKind == JsonValueKind.Object ? parent : (JsonElement?)null;
        return (opportunityId, new CrmContact
        {
            Id = SalesforceJson.RequiredId(row, "ContactId", endpoint),
            Name = contact is { } c1 ? SalesforceJson.String(c1, "Name", endpoint) : null,
            Email = contact is { } c2 ? SalesforceJson.String(c2, "Email", endpoint) : null,
            Title = contact is { } c3 ? SalesforceJson.String(c3, "Title", endpoint) : null,
            Role = SalesforceJson.String(row, "Role", endpoint),
            IsPrimary = SalesforceJson.Bool(row, "IsPrimary", endpoint) ?? false,
        });
    }
}
