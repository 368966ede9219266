using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Aria.CrmSync.Providers.Salesforce;

/// <content>
/// Contacts: each opportunity's <c>OpportunityContactRole</c> rows with the role's <c>Contact</c> (name, email, title)
/// through the parent relationship, by SOQL in chunks of ids; and the feed of opportunities whose contacts changed
/// (a role's own <c>SystemModstamp</c>: a role change does not touch its opportunity).
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
        var hasContact = SalesforceJson.TryProperty(row, "Contact", out var contact) && contact.ValueKind == JsonValueKind.Object;
        string? Field(string name) => hasContact ? SalesforceJson.String(contact, name, endpoint) : null;
        return (opportunityId, new CrmContact
        {
            Id = SalesforceJson.RequiredId(row, "ContactId", endpoint),
            Name = Field("Name"),
            Email = Field("Email"),
            Title = Field("Title"),
            Role = SalesforceJson.String(row, "Role", endpoint),
            IsPrimary = SalesforceJson.Bool(row, "IsPrimary", endpoint) ?? false,
        });
    }

    /// <summary>
    /// Merges two ordered queries by (<c>SystemModstamp</c>, <c>Id</c>) under one compound cursor, as the activity feed
    /// does: <c>queryAll</c> of <c>OpportunityContactRole</c> (added, changed and deleted roles, whose opportunity is
    /// listed) and <c>queryAll</c> of the <c>Contact</c>s that play a role (a semi-join; an edited contact's opportunities
    /// are then read by one query per 200 contacts). A page holds up to <see cref="SalesforceOptions.QueryBatchSize"/>
    /// rows; a cursor without an id is moved back by <see cref="SalesforceOptions.OverlapWindow"/> like the other feeds.
    /// </summary>
    public async IAsyncEnumerable<CrmContactChangePage> GetContactChangesAsync(CrmConnection connection, CrmCursor? since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var call = Begin(connection);
        var position = since;
        if (position is { LastId: null } && call.Options.OverlapWindow > TimeSpan.Zero)
        {
            position = position with { Timestamp = position.Timestamp - call.Options.OverlapWindow };
        }

        if (position?.LastId is { } lastId)
        {
            SalesforceIds.Require(lastId, "since.LastId");
        }

        var after = position is null ? string.Empty : " AND " + Soql.After("SystemModstamp", position.Timestamp, position.LastId);
        var streams = new[]
        {
            new OrderedQuery<ContactChangeRow>(this, call, $"SELECT Id, OpportunityId, SystemModstamp FROM OpportunityContactRole WHERE OpportunityId != null{after} ORDER BY SystemModstamp ASC, Id ASC", ToRoleChange, all: true),
            new OrderedQuery<ContactChangeRow>(this, call, $"SELECT Id, SystemModstamp FROM Contact WHERE Id IN (SELECT ContactId FROM OpportunityContactRole){after} ORDER BY SystemModstamp ASC, Id ASC", ToContactChange, all: true),
        };

        var pageSize = call.Options.QueryBatchSize;
        var page = new List<ContactChangeRow>(pageSize);
        while (true)
        {
            OrderedQuery<ContactChangeRow>? head = null;
            foreach (var stream in streams)
            {
                await stream.FillAsync(cancellationToken).ConfigureAwait(false);
                if (stream.Peek is { } candidate && (head?.Peek is not { } best || candidate.CompareTo(best) < 0))
                {
                    head = stream;
                }
            }

            if (head is null)
            {
                break;
            }

            page.Add(head.Take());
            if (page.Count >= pageSize)
            {
                yield return await ContactChangePageAsync(call, page, cancellationToken).ConfigureAwait(false);
                page = new List<ContactChangeRow>(pageSize);
            }
        }

        if (page.Count > 0)
        {
            yield return await ContactChangePageAsync(call, page, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<CrmContactChangePage> ContactChangePageAsync(SalesforceCall call, List<ContactChangeRow> rows, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.OpportunityId is { } opportunity && seen.Add(opportunity))
            {
                ids.Add(opportunity);
            }
        }

        var contacts = rows.Where(r => r.OpportunityId is null).Select(r => r.Id).Distinct(StringComparer.Ordinal).ToList();
        foreach (var chunk in contacts.Chunk(ContactRoleQueryChunk))
        {
            var soql = $"SELECT OpportunityId FROM OpportunityContactRole WHERE ContactId IN {Soql.IdList(chunk)}";
            foreach (var opportunity in await QueryAllRowsAsync(call, soql, (row, endpoint) => SalesforceJson.RequiredId(row, "OpportunityId", endpoint), cancellationToken).ConfigureAwait(false))
            {
                if (seen.Add(opportunity))
                {
                    ids.Add(opportunity);
                }
            }
        }

        return new CrmContactChangePage(ids, new CrmCursor(rows[^1].Modstamp, rows[^1].Id));
    }

    private static ContactChangeRow ToRoleChange(JsonElement row, string endpoint)
        => new(Modstamp(row, endpoint), SalesforceJson.RequiredId(row, "Id", endpoint), SalesforceJson.RequiredId(row, "OpportunityId", endpoint));

    private static ContactChangeRow ToContactChange(JsonElement row, string endpoint)
        => new(Modstamp(row, endpoint), SalesforceJson.RequiredId(row, "Id", endpoint), null);

    private static DateTimeOffset Modstamp(JsonElement row, string endpoint)
        => SalesforceJson.DateTime(row, "SystemModstamp", endpoint) ?? throw SalesforceJson.Unexpected(endpoint, "'SystemModstamp' is missing");

    /// <summary>A role (with its opportunity) or a contact (<see cref="OpportunityId"/> <see langword="null"/>) in the merged feed.</summary>
    private sealed record ContactChangeRow(DateTimeOffset Modstamp, string Id, string? OpportunityId) : IComparable<ContactChangeRow>
    {
        public int CompareTo(ContactChangeRow? other)
        {
            if (other is null)
            {
                return 1;
            }

            var byTime = Modstamp.CompareTo(other.Modstamp);
            return byTime != 0 ? byTime : string.CompareOrdinal(Id, other.Id);
        }
    }
}
