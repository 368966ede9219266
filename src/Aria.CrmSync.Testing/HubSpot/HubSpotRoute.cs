using System.Text.RegularExpressions;

namespace Aria.CrmSync.Testing;

/// <summary>The kind of a HubSpot API route.</summary>
internal enum HubSpotRouteKind
{
    Unknown,
    OAuthToken,
    OAuthAccessTokenInfo,
    OAuthRefreshTokenInfo,
    OAuthRefreshTokenDelete,
    OAuthIntrospect,
    OAuthRevoke,
    ObjectList,
    ObjectCreate,
    ObjectGet,
    ObjectUpdate,
    ObjectArchive,
    BatchRead,
    BatchCreate,
    BatchUpdate,
    BatchUpsert,
    BatchArchive,
    Search,
    Merge,
    AssocList,
    AssocPutLabelled,
    AssocPutDefault,
    AssocDelete,
    AssocBatchRead,
    AssocBatchCreate,
    AssocBatchAssociateDefault,
    AssocBatchArchive,
    AssocBatchLabelsArchive,
    AssocLabels,
    AssocV3List,
    AssocV3Put,
    AssocV3Delete,
    AssocV3BatchRead,
    AssocV3BatchCreate,
    AssocV3BatchArchive,
    PropertiesList,
    PropertyGet,
    PropertyCreate,
    PipelinesList,
    PipelineGet,
    PipelineStagesList,
    PipelineStageGet,
}

/// <summary>A parsed HubSpot route: what the path addresses.</summary>
internal sealed record HubSpotRoute(HubSpotRouteKind Kind, string Endpoint)
{
    private static readonly Regex Dated = new(@"^20\d\d-\d\d$", RegexOptions.CultureInvariant);

    public string? ObjectType { get; init; }

    public string? ObjectId { get; init; }

    public string? ToObjectType { get; init; }

    public string? ToObjectId { get; init; }

    public string? AssociationType { get; init; }

    /// <summary>Gets a value indicating whether the route is in the date-versioned family (e.g. <c>2026-03</c>).</summary>
    public bool DateVersioned { get; init; }

    public bool MethodNotAllowed { get; init; }

    public static HubSpotRoute Parse(string method, string path, Func<string, string> typeKey)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var route = ParseCore(method, segments, typeKey);
        return route ?? new HubSpotRoute(HubSpotRouteKind.Unknown, "unknown");
    }

    private static HubSpotRoute? ParseCore(string method, string[] s, Func<string, string> typeKey)
    {
        if (s.Length < 2)
        {
            return null;
        }

        if (s[0] == "oauth")
        {
            return ParseOAuth(method, s);
        }

        if (s[0] != "crm")
        {
            return null;
        }

        // /crm/v3/objects/{type}/... and /crm/objects/{date}/{type}/...
        if (s.Length >= 4 && s[1] == "v3" && s[2] == "objects")
        {
            return ParseObjects(method, s[3], s[4..], dated: false, typeKey);
        }

        if (s.Length >= 4 && s[1] == "objects" && Dated.IsMatch(s[2]))
        {
            return ParseObjects(method, s[3], s[4..], dated: true, typeKey);
        }

        // /crm/v4/objects/{type}/{id}/associations/...
        if (s.Length >= 7 && s[1] == "v4" && s[2] == "objects" && s[5] == "associations")
        {
            return ParseObjectAssociations(method, s[3], s[4], s[6..], typeKey, dated: false);
        }

        // /crm/v4/associations/{from}/{to}/... and /crm/associations/{date}/{from}/{to}/...
        if (s.Length >= 5 && s[1] == "v4" && s[2] == "associations")
        {
            return ParseBatchAssociations(method, s[3], s[4], s[5..], typeKey, v3: false);
        }

        if (s.Length >= 5 && s[1] == "associations" && (Dated.IsMatch(s[2]) || s[2] == "v4"))
        {
            return ParseBatchAssociations(method, s[3], s[4], s[5..], typeKey, v3: false);
        }

        if (s.Length >= 5 && s[1] == "v3" && s[2] == "associations")
        {
            return ParseBatchAssociations(method, s[3], s[4], s[5..], typeKey, v3: true);
        }

        // /crm/v3/properties/{type}[/{name}]
        if (s.Length is 4 or 5 && s[1] == "v3" && s[2] == "properties")
        {
            var properties = new HubSpotRoute(HubSpotRouteKind.PropertiesList, "properties.list") { ObjectType = s[3] };
            if (s.Length == 5)
            {
                return Only(method, "GET", properties with { Kind = HubSpotRouteKind.PropertyGet, Endpoint = "properties.get", ObjectId = s[4] });
            }

            return method == "POST"
                ? properties with { Kind = HubSpotRouteKind.PropertyCreate, Endpoint = "properties.create" }
                : Only(method, "GET", properties);
        }

        // /crm/v3/pipelines/{type}[/{pipelineId}[/stages[/{stageId}]]]
        if (s.Length >= 4 && s[1] == "v3" && s[2] == "pipelines")
        {
            return ParsePipelines(method, s[3], s[4..]);
        }

        return null;
    }

    private static HubSpotRoute? ParseOAuth(string method, string[] s)
    {
        var version = s[1];
        var rest = string.Join('/', s[2..]);
        if (version == "v1")
        {
            if (rest == "token")
            {
                return Only(method, "POST", new(HubSpotRouteKind.OAuthToken, "oauth.token"));
            }

            if (s.Length == 4 && s[2] == "access-tokens")
            {
                return Only(method, "GET", new(HubSpotRouteKind.OAuthAccessTokenInfo, "oauth.accessTokens.get") { ObjectId = s[3] });
            }

            if (s.Length == 4 && s[2] == "refresh-tokens")
            {
                return method == "DELETE"
                    ? new(HubSpotRouteKind.OAuthRefreshTokenDelete, "oauth.refreshTokens.archive") { ObjectId = s[3] }
                    : Only(method, "GET", new(HubSpotRouteKind.OAuthRefreshTokenInfo, "oauth.refreshTokens.get") { ObjectId = s[3] });
            }

            return null;
        }

        if (version == "v3" || Dated.IsMatch(version))
        {
            return rest switch
            {
                "token" => Only(method, "POST", new(HubSpotRouteKind.OAuthToken, "oauth.token")),
                "token/introspect" => Only(method, "POST", new(HubSpotRouteKind.OAuthIntrospect, "oauth.introspect")),
                "token/revoke" => Only(method, "POST", new(HubSpotRouteKind.OAuthRevoke, "oauth.revoke")),
                _ => null,
            };
        }

        return null;
    }

    private static HubSpotRoute? ParseObjects(string method, string type, string[] rest, bool dated, Func<string, string> typeKey)
    {
        var key = typeKey(type);
        HubSpotRoute Make(HubSpotRouteKind kind, string op) => new(kind, $"{key}.{op}") { ObjectType = type, DateVersioned = dated };

        if (rest.Length == 0)
        {
            return method switch
            {
                "GET" => Make(HubSpotRouteKind.ObjectList, "objects.list"),
                "POST" => Make(HubSpotRouteKind.ObjectCreate, "objects.create"),
                _ => Make(HubSpotRouteKind.ObjectList, "objects.list") with { MethodNotAllowed = true },
            };
        }

        if (rest.Length == 2 && rest[0] == "batch")
        {
            var kind = rest[1] switch
            {
                "read" => HubSpotRouteKind.BatchRead,
                "create" => HubSpotRouteKind.BatchCreate,
                "update" => HubSpotRouteKind.BatchUpdate,
                "upsert" => HubSpotRouteKind.BatchUpsert,
                "archive" => HubSpotRouteKind.BatchArchive,
                _ => HubSpotRouteKind.Unknown,
            };
            return kind == HubSpotRouteKind.Unknown ? null : Only(method, "POST", Make(kind, "batch." + rest[1]));
        }

        if (rest.Length == 1 && rest[0] == "search" && method == "POST")
        {
            return Make(HubSpotRouteKind.Search, "search");
        }

        if (rest.Length == 1 && rest[0] == "merge" && method == "POST")
        {
            return Make(HubSpotRouteKind.Merge, "merge");
        }

        if (rest.Length == 1)
        {
            var route = method switch
            {
                "GET" => Make(HubSpotRouteKind.ObjectGet, "objects.get"),
                "PATCH" => Make(HubSpotRouteKind.ObjectUpdate, "objects.update"),
                "DELETE" => Make(HubSpotRouteKind.ObjectArchive, "objects.archive"),
                _ => Make(HubSpotRouteKind.ObjectGet, "objects.get") with { MethodNotAllowed = true },
            };
            return route with { ObjectId = rest[0] };
        }

        if (rest.Length >= 3 && rest[1] == "associations")
        {
            if (dated)
            {
                return ParseObjectAssociations(method, type, rest[0], rest[2..], typeKey, dated: true);
            }

            // Legacy v3: GET {toType}, PUT|DELETE {toType}/{toId}/{associationType}
            var v3 = new HubSpotRoute(HubSpotRouteKind.AssocV3List, "associations.v3.list")
            {
                ObjectType = type,
                ObjectId = rest[0],
                ToObjectType = rest[2],
            };
            if (rest.Length == 3)
            {
                return Only(method, "GET", v3);
            }

            if (rest.Length == 5)
            {
                v3 = v3 with { ToObjectId = rest[3], AssociationType = rest[4] };
                return method switch
                {
                    "PUT" => v3 with { Kind = HubSpotRouteKind.AssocV3Put, Endpoint = "associations.v3.create" },
                    "DELETE" => v3 with { Kind = HubSpotRouteKind.AssocV3Delete, Endpoint = "associations.v3.archive" },
                    _ => v3 with { MethodNotAllowed = true },
                };
            }
        }

        return null;
    }

    private static HubSpotRoute? ParseObjectAssociations(string method, string type, string id, string[] rest, Func<string, string> typeKey, bool dated)
    {
        _ = typeKey;
        var route = new HubSpotRoute(HubSpotRouteKind.AssocList, "associations.list") { ObjectType = type, ObjectId = id, DateVersioned = dated };
        if (rest.Length == 1)
        {
            return Only(method, "GET", route with { ToObjectType = rest[0] });
        }

        if (rest.Length == 3 && rest[0] == "default")
        {
            return Only(method, "PUT", route with
            {
                Kind = HubSpotRouteKind.AssocPutDefault,
                Endpoint = "associations.createDefault",
                ToObjectType = rest[1],
                ToObjectId = rest[2],
            });
        }

        if (rest.Length == 2)
        {
            route = route with { ToObjectType = rest[0], ToObjectId = rest[1] };
            return method switch
            {
                "PUT" => route with { Kind = HubSpotRouteKind.AssocPutLabelled, Endpoint = "associations.create" },
                "DELETE" => route with { Kind = HubSpotRouteKind.AssocDelete, Endpoint = "associations.archive" },
                _ => route with { MethodNotAllowed = true },
            };
        }

        return null;
    }

    private static HubSpotRoute? ParseBatchAssociations(string method, string from, string to, string[] rest, Func<string, string> typeKey, bool v3)
    {
        _ = typeKey;
        var op = string.Join('/', rest);
        var route = new HubSpotRoute(HubSpotRouteKind.Unknown, "unknown") { ObjectType = from, ToObjectType = to };
        if (v3)
        {
            return op switch
            {
                "batch/read" => Only(method, "POST", route with { Kind = HubSpotRouteKind.AssocV3BatchRead, Endpoint = "associations.v3.batchRead" }),
                "batch/create" => Only(method, "POST", route with { Kind = HubSpotRouteKind.AssocV3BatchCreate, Endpoint = "associations.v3.batchCreate" }),
                "batch/archive" => Only(method, "POST", route with { Kind = HubSpotRouteKind.AssocV3BatchArchive, Endpoint = "associations.v3.batchArchive" }),
                _ => null,
            };
        }

        return op switch
        {
            "batch/read" => Only(method, "POST", route with { Kind = HubSpotRouteKind.AssocBatchRead, Endpoint = "associations.batchRead" }),
            "batch/create" => Only(method, "POST", route with { Kind = HubSpotRouteKind.AssocBatchCreate, Endpoint = "associations.batchCreate" }),
            "batch/associate/default" => Only(method, "POST", route with { Kind = HubSpotRouteKind.AssocBatchAssociateDefault, Endpoint = "associations.batchAssociateDefault" }),
            "batch/archive" => Only(method, "POST", route with { Kind = HubSpotRouteKind.AssocBatchArchive, Endpoint = "associations.batchArchive" }),
            "batch/labels/archive" => Only(method, "POST", route with { Kind = HubSpotRouteKind.AssocBatchLabelsArchive, Endpoint = "associations.batchLabelsArchive" }),
            "labels" => Only(method, "GET", route with { Kind = HubSpotRouteKind.AssocLabels, Endpoint = "associations.labels" }),
            _ => null,
        };
    }

    private static HubSpotRoute? ParsePipelines(string method, string type, string[] rest)
    {
        var route = new HubSpotRoute(HubSpotRouteKind.PipelinesList, "pipelines.list") { ObjectType = type };
        return rest.Length switch
        {
            0 => Only(method, "GET", route),
            1 => Only(method, "GET", route with { Kind = HubSpotRouteKind.PipelineGet, Endpoint = "pipelines.get", ObjectId = rest[0] }),
            2 when rest[1] == "stages" => Only(method, "GET", route with
            {
                Kind = HubSpotRouteKind.PipelineStagesList,
                Endpoint = "pipelines.stages.list",
                ObjectId = rest[0],
            }),
            3 when rest[1] == "stages" => Only(method, "GET", route with
            {
                Kind = HubSpotRouteKind.PipelineStageGet,
                Endpoint = "pipelines.stages.get",
                ObjectId = rest[0],
                ToObjectId = rest[2],
            }),
            _ => null,
        };
    }

    private static HubSpotRoute Only(string method, string expected, HubSpotRoute route)
        => method == expected ? route : route with { MethodNotAllowed = true };
}
