namespace Aria.CrmSync.Testing;

/// <summary>
/// The endpoint keys of the <see cref="SalesforceEmulator"/>, as counted by <see cref="CrmEmulator.Calls"/> and matched
/// by <see cref="FaultRule.Endpoint"/> (a key ending in <c>*</c> matches a prefix, e.g. <c>collections.*</c>).
/// </summary>
public static class SalesforceEndpoints
{
    /// <summary><c>GET /services/oauth2/authorize</c> (not counted).</summary>
    public const string OAuthAuthorize = "oauth.authorize";

    /// <summary><c>POST /services/oauth2/token</c> (not counted).</summary>
    public const string OAuthToken = "oauth.token";

    /// <summary><c>POST /services/oauth2/revoke</c> (not counted).</summary>
    public const string OAuthRevoke = "oauth.revoke";

    /// <summary><c>GET /services/oauth2/userinfo</c> (not counted).</summary>
    public const string OAuthUserInfo = "oauth.userinfo";

    /// <summary><c>GET /id/{orgId}/{userId}</c>, the identity URL (not counted).</summary>
    public const string OAuthIdentity = "oauth.identity";

    /// <summary><c>POST /services/Soap/u/{version}</c> login/logout (not counted).</summary>
    public const string SoapLogin = "oauth.soap";

    /// <summary><c>GET /services/data/</c>, the version list (not counted, no <c>Sforce-Limit-Info</c>).</summary>
    public const string Versions = "versions";

    /// <summary><c>GET /services/data/vXX.X/</c>, the resource map.</summary>
    public const string Resources = "resources";

    /// <summary><c>GET /services/data/vXX.X/limits</c>.</summary>
    public const string Limits = "limits";

    /// <summary><c>GET /sobjects</c>, the global describe.</summary>
    public const string DescribeGlobal = "describe.global";

    /// <summary><c>GET /sobjects/{Type}/describe</c>.</summary>
    public const string Describe = "describe";

    /// <summary><c>GET /sobjects/{Type}</c>, basic information.</summary>
    public const string SObjectInfo = "sobjects.info";

    /// <summary><c>POST /sobjects/{Type}</c>.</summary>
    public const string SObjectCreate = "sobjects.create";

    /// <summary><c>GET /sobjects/{Type}/{id}</c>.</summary>
    public const string SObjectGet = "sobjects.get";

    /// <summary><c>PATCH /sobjects/{Type}/{id}</c>.</summary>
    public const string SObjectPatch = "sobjects.patch";

    /// <summary><c>DELETE /sobjects/{Type}/{id}</c>.</summary>
    public const string SObjectDelete = "sobjects.delete";

    /// <summary><c>PATCH /sobjects/{Type}/{externalIdField}/{value}</c>.</summary>
    public const string SObjectUpsert = "sobjects.upsert";

    /// <summary><c>GET /sobjects/{Type}/{id}/{blobField}</c>.</summary>
    public const string SObjectBlob = "sobjects.blob";

    /// <summary><c>GET /query?q=</c>.</summary>
    public const string Query = "query";

    /// <summary><c>GET /queryAll?q=</c>.</summary>
    public const string QueryAll = "queryAll";

    /// <summary><c>GET /query/{locator}-{offset}</c> (a <c>nextRecordsUrl</c>).</summary>
    public const string QueryMore = "query.more";

    /// <summary><c>GET /sobjects/{Type}/updated/?start=&amp;end=</c>.</summary>
    public const string Updated = "updated";

    /// <summary><c>GET /sobjects/{Type}/deleted/?start=&amp;end=</c>.</summary>
    public const string Deleted = "deleted";

    /// <summary><c>POST /composite/sobjects</c>.</summary>
    public const string CollectionsCreate = "collections.create";

    /// <summary><c>PATCH /composite/sobjects</c>.</summary>
    public const string CollectionsUpdate = "collections.update";

    /// <summary><c>GET|POST /composite/sobjects/{Type}</c>.</summary>
    public const string CollectionsGet = "collections.get";

    /// <summary><c>DELETE /composite/sobjects?ids=</c>.</summary>
    public const string CollectionsDelete = "collections.delete";

    /// <summary><c>POST /composite</c>.</summary>
    public const string Composite = "composite";

    /// <summary><c>POST /composite/batch</c>.</summary>
    public const string CompositeBatch = "composite.batch";

    /// <summary><c>POST /composite/tree/{Type}</c>.</summary>
    public const string CompositeTree = "composite.tree";

    /// <summary><c>POST /composite/graph</c>.</summary>
    public const string CompositeGraph = "composite.graph";

    /// <summary>Any other path.</summary>
    public const string Unknown = "unknown";
}
