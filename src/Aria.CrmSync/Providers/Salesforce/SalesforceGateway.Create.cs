using System.Text.Json.Nodes;

namespace Aria.CrmSync.Providers.Salesforce;

/// <content>Creates an Opportunity (<c>POST /services/data/vXX.X/sobjects/Opportunity</c>).</content>
internal sealed partial class SalesforceGateway : ICrmRecordCreator
{
    /// <summary>
    /// Creates an Opportunity. Salesforce requires <c>Name</c>, <c>StageName</c> and <c>CloseDate</c>; a missing one is
    /// refused here, before any call. The connection's <see cref="CrmConnection.RecordFields"/> may be set too (a value
    /// not of its field's type is a <see cref="CrmSyncFieldValueException"/>). The create is not retried on an uncertain
    /// outcome (it is not idempotent).
    /// </summary>
    /// <remarks>REST API Developer Guide, "Create a Record": <c>POST /services/data/vXX.X/sobjects/SObjectName/</c>
    /// answers 201 with <c>{"id": "...", "success": true, "errors": []}</c>.</remarks>
    public async Task<CrmRecord> CreateRecordAsync(CrmConnection connection, IReadOnlyDictionary<string, string?> fields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(fields);
        foreach (var required in new[] { CrmFields.Name, CrmFields.Stage, CrmFields.CloseDate })
        {
            if (string.IsNullOrWhiteSpace(fields.GetValueOrDefault(required)))
            {
                throw new CrmSyncValidationException($"A Salesforce Opportunity needs '{required}' (Name, StageName and CloseDate are required).", required, Salesforce);
            }
        }

        // The connection's custom fields go as JSON values of their describe types (cached), the others as CrmFields.
        var custom = RecordFieldsOf(connection);
        var body = new JsonObject();
        WriteFields(body, fields.Where(f => !custom.Contains(f.Key, StringComparer.Ordinal)).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal), "fields");
        var used = custom.Where(fields.ContainsKey).ToList();
        if (used.Count > 0)
        {
            var metadata = await _recordFields.MetadataAsync(connection, used, cancellationToken).ConfigureAwait(false);
            foreach (var name in used)
            {
                body[name] = ToJson(name, CrmRecordFields.Find(metadata, name), fields[name]);
            }
        }

        var call = Begin(connection);
        var response = await SendJsonAsync(call, HttpMethod.Post, call.Data("sobjects/Opportunity"), body, Endpoints.SObjectCreate, idempotent: false, cancellationToken).ConfigureAwait(false);
        string id;
        using (var document = response.Json(Salesforce))
        {
            var root = SalesforceJson.Object(document.RootElement, Endpoints.SObjectCreate, "the create result");
            id = root.TryGetProperty("id", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? text
                : throw SalesforceJson.Unexpected(Endpoints.SObjectCreate, "the create result has no 'id'");
        }

        return await GetRecordAsync(connection, id, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmSyncDataException($"Salesforce created Opportunity {id} but does not return it.", Endpoints.SObjectGet, Salesforce);
    }
}
