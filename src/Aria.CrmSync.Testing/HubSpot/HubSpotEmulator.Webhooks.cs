using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing;

/// <content>
/// Webhook events of record changes (<see cref="Webhooks"/>): creation, deletion, property change (one event per
/// changed property with a subscription), association change (both sides) and merge. Payload fields as in
/// https://developers.hubspot.com/docs/api/webhooks ("Webhook payloads"): <c>eventId</c>, <c>subscriptionId</c>,
/// <c>portalId</c>, <c>appId</c>, <c>occurredAt</c> (epoch ms), <c>subscriptionType</c>, <c>attemptNumber</c>,
/// <c>objectId</c>, <c>propertyName</c>/<c>propertyValue</c>, <c>changeSource</c>, <c>changeFlag</c>; association
/// changes carry <c>associationType</c>, <c>fromObjectId</c>, <c>toObjectId</c>, <c>associationRemoved</c>,
/// <c>isPrimaryAssociation</c>; merges <c>primaryObjectId</c>, <c>mergedObjectIds</c>, <c>newObjectId</c>.
/// </content>
public sealed partial class HubSpotEmulator
{
    /// <summary>The <c>changeSource</c> of a change made through the REST API (an integration); data-access changes are a person's (<c>CRM_UI</c>).</summary>
    private const string ApiChangeSource = "API";
    private const string PersonChangeSource = "CRM_UI";

    private string _changeSource = PersonChangeSource;

    /// <summary>Gets the app's webhook subscriptions and their delivery to a target URL (nothing is sent until <see cref="HubSpotWebhooks.Start"/>).</summary>
    public HubSpotWebhooks Webhooks { get; }

    private void RaiseCreated(HubSpotStoredObject obj, DateTimeOffset now)
        => Webhooks.Raise(obj.Type.Singular, obj.Type.TypeId, "creation", now, _changeSource, e =>
        {
            e["objectId"] = obj.Id;
            e["changeFlag"] = "CREATED";
        });

    private void RaiseDeleted(HubSpotStoredObject obj, DateTimeOffset now)
        => Webhooks.Raise(obj.Type.Singular, obj.Type.TypeId, "deletion", now, _changeSource, e =>
        {
            e["objectId"] = obj.Id;
            e["changeFlag"] = "DELETED";
        });

    private void RaisePropertyChanged(HubSpotStoredObject obj, string name, string? value, DateTimeOffset now)
        => Webhooks.Raise(obj.Type.Singular, obj.Type.TypeId, "propertyChange", now, _changeSource, e =>
        {
            e["objectId"] = obj.Id;
            e["propertyName"] = name;
            e["propertyValue"] = value ?? string.Empty;
        }, name);

    private void RaiseMerged(HubSpotStoredObject primary, HubSpotStoredObject merged, DateTimeOffset now)
        => Webhooks.Raise(primary.Type.Singular, primary.Type.TypeId, "merge", now, _changeSource, e =>
        {
            e["objectId"] = primary.Id;
            e["primaryObjectId"] = primary.Id;
            e["mergedObjectIds"] = new JsonArray(merged.Id);
            e["newObjectId"] = primary.Id;
        });

    /// <summary>One event per side whose object type has an <c>associationChange</c> subscription.</summary>
    private void RaiseAssociationChanged(string fromType, long fromId, string toType, long toId, bool removed)
    {
        if (!_types.TryGetValue(fromType, out var from) || !_types.TryGetValue(toType, out var to))
        {
            return;
        }

        var now = Now;
        foreach (var (a, aId, b, bId) in new[] { (from, fromId, to, toId), (to, toId, from, fromId) })
        {
            Webhooks.Raise(a.Singular, a.TypeId, "associationChange", now, _changeSource, e =>
            {
                e["associationType"] = (a.Singular + "_TO_" + b.Singular).ToUpperInvariant();
                e["fromObjectId"] = aId;
                e["toObjectId"] = bId;
                e["associationRemoved"] = removed;
                e["isPrimaryAssociation"] = false;
            });
        }
    }

    /// <summary>Serves a REST request with the API as the change source of what it changes.</summary>
    private EmulatorResponse HandleAsIntegration(EmulatorRequest request)
    {
        _changeSource = ApiChangeSource;
        try
        {
            return Handle(request);
        }
        finally
        {
            _changeSource = PersonChangeSource;
        }
    }
}
