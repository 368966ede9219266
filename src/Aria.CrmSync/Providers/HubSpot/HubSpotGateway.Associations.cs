using System.Net;
using System.Text.Json;

namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>One associated record of a v4 association read, with the labels of its association types (in the order read).</summary>
internal sealed record HubSpotAssociation(string ToId, IReadOnlyList<string> Labels);

/// <content>Associations read in batches (v4), shared by notes, activities and contacts.</content>
internal sealed partial class HubSpotGateway
{
    /// <summary>
    /// Reads the associations of many records to one type with the v4 batch read (1,000 inputs per call, following
    /// each input's paging): from id → associated ids. Records without associations are absent (HubSpot reports them
    /// as per-input errors in a 207).
    /// </summary>
    internal async Task<Dictionary<string, List<string>>> AssociatedIdsAsync(CrmConnection connection, string fromType, string toType, IReadOnlyList<string> fromIds, CancellationToken cancellationToken)
        => (await AssociationsAsync(connection, fromType, toType, fromIds, cancellationToken).ConfigureAwait(false))
            .ToDictionary(p => p.Key, p => p.Value.Select(a => a.ToId).ToList(), StringComparer.Ordinal);

    /// <summary>
    /// The v4 batch read behind <see cref="AssociatedIdsAsync"/>, keeping each association's labels: from id → one
    /// <see cref="HubSpotAssociation"/> per associated record (its labels merged across its association types).
    /// https://developers.hubspot.com/docs/api-reference/crm-associations-v4/batch/post-crm-v4-associations-fromObjectType-toObjectType-batch-read
    /// </summary>
    internal async Task<Dictionary<string, List<HubSpotAssociation>>> AssociationsAsync(CrmConnection connection, string fromType, string toType, IReadOnlyList<string> fromIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, List<HubSpotAssociation>>(StringComparer.Ordinal);
        var queue = fromIds.Select(id => (Id: id, After: (string?)null)).ToList();
        var path = Paths(connection).AssociationBatchRead(fromType, toType);
        while (queue.Count > 0)
        {
            var next = new List<(string Id, string? After)>();
            foreach (var chunk in queue.Chunk(AssociationBatchLimit))
            {
                var response = await CallAsync(
                    connection,
                    HttpMethod.Post,
                    path,
                    w =>
                    {
                        w.WriteStartObject();
                        w.WriteStartArray("inputs");
                        foreach (var (id, after) in chunk)
                        {
                            w.WriteStartObject();
                            w.WriteString("id", id);
                            if (after is not null)
                            {
                                w.WriteString("after", after);
                            }

                            w.WriteEndObject();
                        }

                        w.WriteEndArray();
                        w.WriteEndObject();
                    },
                    "associations.batchRead",
                    idempotent: true,
                    search: false,
                    cancellationToken,
                    HttpStatusCode.MultiStatus).ConfigureAwait(false);

                using var document = response.Json(CrmProvider.HubSpot);
                var root = HubSpotJson.RootObject(document, response);
                foreach (var item in HubSpotJson.Array(root, "results", response))
                {
                    var from = HubSpotJson.Child(item, "from") is { } f ? HubSpotJson.Text(f, "id") : null;
                    if (from is null)
                    {
                        throw HubSpotJson.Unexpected(response, "an association result has no from.id");
                    }

                    if (!result.TryGetValue(from, out var list))
                    {
                        list = [];
                        result[from] = list;
                    }

                    foreach (var to in HubSpotJson.Array(item, "to", response))
                    {
                        var toId = HubSpotJson.Text(to, "toObjectId") ?? throw HubSpotJson.Unexpected(response, "an association has no toObjectId");
                        var labels = new List<string>();
                        if (HubSpotJson.Child(to, "associationTypes") is { ValueKind: JsonValueKind.Array } types)
                        {
                            foreach (var type in types.EnumerateArray())
                            {
                                if (HubSpotJson.Text(type, "label") is { Length: > 0 } label)
                                {
                                    labels.Add(label);
                                }
                            }
                        }

                        var index = list.FindIndex(a => a.ToId == toId);
                        if (index < 0)
                        {
                            list.Add(new HubSpotAssociation(toId, labels));
                        }
                        else
                        {
                            list[index] = new HubSpotAssociation(toId, [.. list[index].Labels, .. labels.Except(list[index].Labels, StringComparer.Ordinal)]);
                        }
                    }

                    if (HubSpotJson.NextAfter(item) is { } after)
                    {
                        next.Add((from, after));
                    }
                }
            }

            queue = next;
        }

        return result;
    }
}
