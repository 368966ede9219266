namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>
/// API paths of one path family: <c>v3</c> (<c>/crm/v3/objects</c>, <c>/crm/v4/…</c> associations) or a date version
/// (<c>/crm/objects/2026-03</c>, <c>/crm/associations/2026-03</c>). Pipelines stay on <c>/crm/v3/pipelines</c>
/// (the only published path). Path segments are ids validated as digits or fixed object-type names.
/// </summary>
internal sealed class HubSpotPaths(string apiVersion)
{
    private readonly bool _dated = apiVersion != HubSpotOptions.LegacyApiVersion;

    public string Objects(string type) => _dated ? $"/crm/objects/{apiVersion}/{type}" : $"/crm/v3/objects/{type}";

    public string Object(string type, string id) => $"{Objects(type)}/{id}";

    public string Batch(string type, string operation) => $"{Objects(type)}/batch/{operation}";

    public string Search(string type) => $"{Objects(type)}/search";

    /// <summary>Lists one record's associations to a type (v4 shape).</summary>
    public string AssociationList(string fromType, string id, string toType)
        => _dated ? $"/crm/objects/{apiVersion}/{fromType}/{id}/associations/{toType}" : $"/crm/v4/objects/{fromType}/{id}/associations/{toType}";

    /// <summary>Reads associations of many records (v4 batch read, ≤1,000 inputs).</summary>
    public string AssociationBatchRead(string fromType, string toType)
        => _dated ? $"/crm/associations/{apiVersion}/{fromType}/{toType}/batch/read" : $"/crm/v4/associations/{fromType}/{toType}/batch/read";

    public static string DealPipelines => "/crm/v3/pipelines/deals";
}
