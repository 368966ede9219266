using System.Net;
using System.Text.Json;

namespace Aria.CrmSync.Providers.HubSpot;

/// <content>Creates a deal (<c>POST /crm/v3/objects/deals</c>).</content>
internal sealed partial class HubSpotGateway : ICrmRecordCreator
{
    /// <summary>
    /// Creates a deal in the default pipeline (<c>pipeline=default</c>) with the given properties; <c>dealname</c> is
    /// required. Not retried on an uncertain outcome (a create is not idempotent).
    /// </summary>
    /// <remarks>HubSpot CRM API, Deals: <c>POST /crm/v3/objects/deals</c> with <c>{"properties": {...}}</c> answers 201 with the
    /// new object (<c>id</c>, <c>properties</c>); <c>dealname</c>, <c>dealstage</c> and <c>pipeline</c> are the required properties.</remarks>
    public async Task<CrmRecord> CreateRecordAsync(CrmConnection connection, IReadOnlyDictionary<string, string?> fields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(fields);
        if (string.IsNullOrWhiteSpace(fields.GetValueOrDefault(CrmFields.Name)))
        {
            throw new CrmSyncValidationException("A HubSpot deal needs a name (dealname).", CrmFields.Name, CrmProvider.HubSpot);
        }

        if (string.IsNullOrWhiteSpace(fields.GetValueOrDefault(CrmFields.Stage)))
        {
            throw new CrmSyncValidationException("A HubSpot deal needs a stage (dealstage).", CrmFields.Stage, CrmProvider.HubSpot);
        }

        var properties = ToProperties(new CrmRecordUpdate { CrmId = "(new)", Fields = fields }, RecordFieldsOf(connection));
        properties.TryAdd("pipeline", "default");
        var response = await CallAsync(
            connection,
            HttpMethod.Post,
            Paths(connection).Objects("deals"),
            w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("properties");
                foreach (var (name, value) in properties.Where(p => p.Value.Length > 0))
                {
                    w.WriteString(name, value);
                }

                w.WriteEndObject();
                w.WriteEndObject();
            },
            "deals.create",
            idempotent: false,
            search: false,
            cancellationToken,
            HttpStatusCode.Created).ConfigureAwait(false);

        string id;
        using (var document = response.Json(CrmProvider.HubSpot))
        {
            var deal = HubSpotJson.RootObject(document, response);
            id = deal.TryGetProperty("id", out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? text
                : throw new CrmSyncDataException("HubSpot's create answer has no deal id.", "deals.create", CrmProvider.HubSpot);
        }

        return await GetRecordAsync(connection, id, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmSyncDataException($"HubSpot created deal {id} but does not return it.", "deals.get", CrmProvider.HubSpot);
    }
}
