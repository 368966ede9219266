using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing;

/// <summary>
/// An in-memory emulator of HubSpot's CRM API: OAuth and private-app authentication; deals, engagements (notes, calls,
/// emails, meetings, tasks), contacts and companies on <c>/crm/v3/objects/{type}</c> (name or type id) and
/// <c>/crm/objects/2026-03/{type}</c> (get, list, create, update, archive, batch read/create/update/upsert/archive,
/// search, merge); associations v4 (and v3); deal pipelines; HubSpot's rate limits (ten-secondly burst, daily, search
/// per second) with its headers and 429 bodies; HubSpot-shaped error bodies. Thread-safe and deterministic from
/// <see cref="CrmEmulatorOptions.Seed"/> (ids, tokens, correlation ids).
/// </summary>
/// <remarks>
/// Endpoint keys (for <see cref="CrmEmulator.Calls"/> and <see cref="FaultRule.Endpoint"/>):
/// <c>oauth.token</c>, <c>oauth.accessTokens.get</c>, <c>oauth.refreshTokens.get</c>, <c>oauth.refreshTokens.archive</c>,
/// <c>oauth.introspect</c>, <c>oauth.revoke</c>; per object type (e.g. <c>deals.</c>, <c>notes.</c>):
/// <c>{type}.objects.get|list|create|update|archive</c>, <c>{type}.batch.read|create|update|upsert|archive</c>,
/// <c>{type}.search</c>, <c>{type}.merge</c>; <c>properties.list|get|create</c>; <c>associations.list|create|createDefault|archive|batchRead|batchCreate|
/// batchAssociateDefault|batchArchive|batchLabelsArchive|labels</c>, <c>associations.v3.list|create|archive|batchRead|
/// batchCreate|batchArchive</c>; <c>pipelines.list|get|stages.list|stages.get</c>; <c>unknown</c>.
/// </remarks>
public sealed partial class HubSpotEmulator : CrmEmulator
{
    private static readonly JsonSerializerOptions InnerJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Lock _gate = new();
    private readonly HubSpotEmulatorOptions _options;
    private readonly Dictionary<string, HubSpotObjectType> _types = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SortedDictionary<long, HubSpotStoredObject>> _objects = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<EmulatorResponse, object> _uncounted = [];
    private readonly Random _idRandom;
    private readonly Random _correlationRandom;
    private long _lastId;

    /// <summary>Initializes a new instance of the <see cref="HubSpotEmulator"/> class.</summary>
    /// <param name="options">The options; defaults when <see langword="null"/>.</param>
    public HubSpotEmulator(HubSpotEmulatorOptions? options = null)
        : base(options ??= new HubSpotEmulatorOptions())
    {
        _options = options;
        _idRandom = new Random(options.Seed);
        _correlationRandom = new Random(unchecked(options.Seed * 31 + 7));
        _tokenRandom = new Random(unchecked(options.Seed * 17 + 3));
        _lastId = 10_000_000_000L + ((long)(uint)options.Seed % 1000L * 1_000_000L);
        foreach (var type in HubSpotSchema.CreateTypes())
        {
            _types[type.Name] = type;
            _types[type.Singular] = type;
            _types[type.TypeId] = type;
            _objects[type.Name] = [];
        }

        InitializePipelines();
        Webhooks = new HubSpotWebhooks(options, TimeProvider);
        AttachResource(Webhooks);
        if (options.Currencies.Count > 0)
        {
            RequireType("deals").Define(new HubSpotPropertyDefinition { Name = "deal_currency_code", Type = HubSpotPropertyType.Enumeration, Options = [.. options.Currencies], Label = "Currency" });
        }

        foreach (var property in options.CustomProperties)
        {
            DefineProperty(property);
        }
    }

    /// <summary>Gets the options.</summary>
    public HubSpotEmulatorOptions Options => _options;

    /// <inheritdoc />
    protected override string ClassifyEndpoint(EmulatorRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ParseRoute(request).Endpoint;
    }

    /// <inheritdoc />
    protected override Task<EmulatorResponse> HandleCoreAsync(EmulatorRequest request, string endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(HandleAsIntegration(request));
        }
    }

    /// <inheritdoc />
    protected override EmulatorResponse CreateFaultResponse(FaultKind kind, EmulatorRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            var correlationId = NewCorrelationId();
            switch (kind)
            {
                case FaultKind.RateLimited:
                    {
                        var response = EmulatorResponse.Json(429, RateLimitBody("TEN_SECONDLY_ROLLING", correlationId));
                        var token = request.BearerToken is { } t && _accessTokens.TryGetValue(t, out var info) ? info : null;
                        if (token is not null)
                        {
                            AddRateHeaders(response, token, remainingOverride: 0);
                        }

                        return Uncounted(response.WithHeader("X-HubSpot-Correlation-Id", correlationId));
                    }

                case FaultKind.ServiceUnavailable:
                    return Uncounted(Error(503, "SERVICE_UNAVAILABLE", "Service Unavailable. Please retry.", correlationId));
                default:
                    return Uncounted(Error(500, "INTERNAL_ERROR", "internal error", correlationId));
            }
        }
    }

    /// <inheritdoc />
    protected override bool CountsAgainstLimit(string endpoint, EmulatorResponse response)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(response);
        if (endpoint.StartsWith("oauth", StringComparison.Ordinal) || endpoint == "unknown")
        {
            return false;
        }

        return response.StatusCode is not (401 or 429) && !_uncounted.TryGetValue(response, out _);
    }

    private static string FormatTime(DateTimeOffset value)
        => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? ReadString(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        return value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    private static JsonObject ParseObjectBody(EmulatorRequest request, string correlationId)
    {
        var node = ParseBody(request, correlationId);
        return node as JsonObject ?? throw Invalid(correlationId, "Invalid input JSON: expected an object.");
    }

    private static JsonNode ParseBody(EmulatorRequest request, string correlationId)
    {
        try
        {
            return JsonNode.Parse(request.Body.Length == 0 ? "null" : request.BodyText)
                ?? throw Invalid(correlationId, "Invalid input JSON on line 1, column 1: No content to map due to end-of-input");
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            var column = (ex.BytePositionInLine ?? 0) + 1;
            throw Invalid(correlationId, $"Invalid input JSON on line {line}, column {column}: {ex.Message}");
        }
    }

    private static HubSpotApiException Invalid(string correlationId, string message, JsonObject? context = null, JsonArray? errors = null)
        => new(400, ErrorBody("VALIDATION_ERROR", message, correlationId, context, errors));

    private static JsonObject ErrorBody(string category, string message, string correlationId, JsonObject? context = null, JsonArray? errors = null)
    {
        var body = new JsonObject
        {
            ["status"] = "error",
            ["message"] = message,
            ["correlationId"] = correlationId,
        };
        if (errors is not null)
        {
            body["errors"] = errors;
        }

        if (context is not null)
        {
            body["context"] = context;
        }

        body["category"] = category;
        return body;
    }

    private static EmulatorResponse Error(int status, string category, string message, string correlationId, JsonObject? context = null)
        => EmulatorResponse.Json(status, ErrorBody(category, message, correlationId, context)).WithHeader("X-HubSpot-Correlation-Id", correlationId);

    private static JsonObject Context(string key, params string[] values)
    {
        var array = new JsonArray();
        foreach (var value in values)
        {
            array.Add(value);
        }

        return new JsonObject { [key] = array };
    }

    private static List<string> SplitList(IEnumerable<string> values)
        => values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();

    private static List<string> QueryValues(EmulatorRequest request, string name)
    {
        var result = new List<string>();
        var query = System.Web.HttpUtility.ParseQueryString(request.QueryString.TrimStart('?'));
        var values = query.GetValues(name);
        if (values is not null)
        {
            result.AddRange(values);
        }

        return result;
    }

    private static bool QueryBool(EmulatorRequest request, string name)
        => request.Query.TryGetValue(name, out var value) && bool.TryParse(value, out var flag) && flag;

    private EmulatorResponse Uncounted(EmulatorResponse response)
    {
        _uncounted.AddOrUpdate(response, response);
        return response;
    }

    private HubSpotRoute ParseRoute(EmulatorRequest request)
        => HubSpotRoute.Parse(request.Method, request.Path, TypeKey);

    private string TypeKey(string type)
        => _types.TryGetValue(type, out var known) ? known.Name : type.ToLowerInvariant();

    private DateTimeOffset Now => TimeProvider.GetUtcNow();

    private string NewCorrelationId()
    {
        Span<byte> bytes = stackalloc byte[16];
        _correlationRandom.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(bytes);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private long NextId()
    {
        _lastId += _idRandom.Next(1, 12);
        return _lastId;
    }

    private EmulatorResponse Handle(EmulatorRequest request)
    {
        var route = ParseRoute(request);
        var correlationId = NewCorrelationId();
        if (route.Kind == HubSpotRouteKind.Unknown)
        {
            return Uncounted(EmulatorResponse.Empty(404).WithHeader("X-HubSpot-Correlation-Id", correlationId));
        }

        if (route.MethodNotAllowed)
        {
            return Uncounted(Error(405, "VALIDATION_ERROR", $"HTTP method {request.Method} is not supported by this resource.", correlationId));
        }

        if (TryTakeInjectedStatus(route.Endpoint, correlationId) is { } injected)
        {
            return Uncounted(injected);
        }

        var context = new HubSpotRequestContext(request, route, correlationId);
        try
        {
            if (route.Kind is >= HubSpotRouteKind.OAuthToken and <= HubSpotRouteKind.OAuthRevoke)
            {
                return HandleOAuth(context);
            }

            var token = Authenticate(context);
            context.Token = token;
            var isSearch = route.Kind == HubSpotRouteKind.Search;
            if (Throttle(context, token, isSearch) is { } limited)
            {
                return limited;
            }

            var response = Dispatch(context);
            if (!isSearch)
            {
                AddRateHeaders(response, token, remainingOverride: null);
            }

            return response.WithHeader("X-HubSpot-Correlation-Id", correlationId);
        }
        catch (HubSpotApiException ex)
        {
            var response = EmulatorResponse.Json(ex.StatusCode, ex.Body).WithHeader("X-HubSpot-Correlation-Id", correlationId);
            if (context.Token is { } token && route.Kind != HubSpotRouteKind.Search && ex.StatusCode != 401)
            {
                AddRateHeaders(response, token, remainingOverride: null);
            }

            return response;
        }
    }

    private EmulatorResponse Dispatch(HubSpotRequestContext context)
    {
        var route = context.Route;
        RequireScopes(context);
        return route.Kind switch
        {
            HubSpotRouteKind.ObjectList => ListObjects(context),
            HubSpotRouteKind.ObjectCreate => CreateObject(context),
            HubSpotRouteKind.ObjectGet => GetObject(context),
            HubSpotRouteKind.ObjectUpdate => UpdateObject(context),
            HubSpotRouteKind.ObjectArchive => ArchiveObject(context),
            HubSpotRouteKind.BatchRead => BatchRead(context),
            HubSpotRouteKind.BatchCreate => BatchCreate(context),
            HubSpotRouteKind.BatchUpdate => BatchUpdate(context),
            HubSpotRouteKind.BatchUpsert => BatchUpsert(context),
            HubSpotRouteKind.BatchArchive => BatchArchive(context),
            HubSpotRouteKind.Search => Search(context),
            HubSpotRouteKind.Merge => Merge(context),
            HubSpotRouteKind.PropertiesList or HubSpotRouteKind.PropertyGet or HubSpotRouteKind.PropertyCreate => HandleProperties(context),
            HubSpotRouteKind.PipelinesList or HubSpotRouteKind.PipelineGet or HubSpotRouteKind.PipelineStagesList
                or HubSpotRouteKind.PipelineStageGet => HandlePipelines(context),
            _ => HandleAssociations(context),
        };
    }

    private HubSpotObjectType ResolveType(string? name, string correlationId)
    {
        if (name is not null && _types.TryGetValue(name, out var type))
        {
            return type;
        }

        throw Invalid(correlationId, $"Unable to infer object type from: {name}");
    }

    /// <summary>Per-request state.</summary>
    private sealed class HubSpotRequestContext(EmulatorRequest request, HubSpotRoute route, string correlationId)
    {
        public EmulatorRequest Request { get; } = request;

        public HubSpotRoute Route { get; } = route;

        public string CorrelationId { get; } = correlationId;

        public HubSpotToken? Token { get; set; }
    }
}
