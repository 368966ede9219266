using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Gateways.Http;
using Aria.CrmSync.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Providers.Salesforce;

/// <summary>
/// The <see cref="ICrmGateway"/> of Salesforce Opportunities over the REST API: sObject rows and Collections for
/// records, SOQL (<c>queryAll</c>) with a compound (<c>SystemModstamp</c>, <c>Id</c>) cursor for changes and
/// deletions, Composite for notes and per-record activity reads, OAuth refresh through
/// <see cref="SalesforceTokenRefresher"/>, and the org's <c>Sforce-Limit-Info</c> budget through the rate gate.
/// </summary>
internal sealed partial class SalesforceGateway : CrmHttpGateway, ICrmGateway
{
    /// <summary>sObject Collections writes: at most 200 records per call.</summary>
    internal const int CollectionsWriteLimit = 200;

    /// <summary>sObject Collections retrieve with a request body: at most 2,000 ids per call.</summary>
    internal const int CollectionsReadLimit = 2000;

    /// <summary>Composite: at most 25 subrequests per call.</summary>
    internal const int CompositeSubrequestLimit = 25;

    /// <summary>Graphs per Composite Graph call (at most 500 nodes; a note is 2).</summary>
    internal const int GraphLimit = 75;

    private static readonly CrmProvider Salesforce = CrmProvider.Salesforce;

    private readonly IOptionsMonitor<SalesforceOptions> _options;
    private readonly SalesforceRegistrations _registrations;
    private readonly CrmTokenCache _tokens;
    private readonly ILogger _logger;

    public SalesforceGateway(
        IHttpClientFactory httpClientFactory,
        IOptionsMonitor<SalesforceOptions> options,
        SalesforceRegistrations registrations,
        CrmTokenCache tokens,
        TimeProvider time,
        CrmSyncTelemetry telemetry,
        ILogger<SalesforceGateway>? logger = null)
        : base(
            () => httpClientFactory.CreateClient(SalesforceOptions.HttpClientName),
            new CrmRateGate(CrmProvider.Salesforce, c => registrations.Get(options, c.OptionsName).RateLimits, time),
            time,
            telemetry)
    {
        _options = options;
        _registrations = registrations;
        _tokens = tokens;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _recordFields = new CrmRecordFields(this, time);
    }

    public CrmProvider Provider => Salesforce;

    public int MaxUpdateBatchSize => CollectionsWriteLimit;

    /// <summary>Gets the per-connection budget (diagnostics and tests).</summary>
    internal CrmRateGate Gate => RateGate;

    protected override CrmProvider ProviderKind => Salesforce;

    // ---- context and HTTP helpers ----------------------------------------------------------------------------------

    private SalesforceCall Begin(CrmConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.Provider != Salesforce)
        {
            throw new ArgumentException($"The Salesforce gateway cannot serve a {Serialization.WireValue.Format(connection.Provider)} connection.", nameof(connection));
        }

        var options = _registrations.Get(_options, connection.OptionsName);
        _ = InstanceBase(connection, options); // fail before the first request when there is none
        return new SalesforceCall(connection, options, () => InstanceBase(connection, options));
    }

    /// <summary>
    /// The connection's instance as of now: the newest token response's <c>instance_url</c> (a refresh in the middle of a
    /// paged read may move the org), else the connection's, else the options'.
    /// </summary>
    private string InstanceBase(CrmConnection connection, SalesforceOptions options)
    {
        var instance = _tokens.InstanceUrlFor(connection) ?? options.InstanceUrl
            ?? throw new CrmConnectionException(Salesforce, $"The Salesforce connection '{connection.ConnectionKey}' has no instance URL and SalesforceOptions.InstanceUrl is not set");
        if (!SalesforceOptionsValidator.IsServerUrl(instance))
        {
            throw new CrmConnectionException(Salesforce, $"The instance URL of Salesforce connection '{connection.ConnectionKey}' is not an https URL");
        }

        return instance.AbsoluteUri.TrimEnd('/');
    }

    private Task<CrmHttpResponse> GetAsync(SalesforceCall call, Uri uri, string endpoint, CancellationToken cancellationToken, params HttpStatusCode[] accept)
        => SendAsync(call.Connection, HttpMethod.Get, uri, null, endpoint, idempotent: true, cancellationToken, accept);

    private Task<CrmHttpResponse> SendJsonAsync(SalesforceCall call, HttpMethod method, Uri uri, JsonNode body, string endpoint, bool idempotent, CancellationToken cancellationToken)
        => SendAsync(call.Connection, method, uri, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), endpoint, idempotent, cancellationToken);

    protected override void PrepareRequest(HttpRequestMessage request, CrmConnection connection)
    {
        request.Headers.Accept.ParseAdd("application/json");
        var endpoint = CrmHttpRequestOptions.EndpointOf(request);
        if (endpoint.StartsWith(Endpoints.QueryPrefix, StringComparison.Ordinal))
        {
            var batch = _registrations.Get(_options, connection.OptionsName).QueryBatchSize;
            request.Headers.TryAddWithoutValidation("Sforce-Query-Options", $"batchSize={batch}");
        }
    }

    // ---- SOQL paging -------------------------------------------------------------------------------------------------

    /// <summary>Runs a query and returns its first page (rows mapped while the body is parsed) and the next page's URL.</summary>
    private async Task<QueryPage<T>> QueryAsync<T>(SalesforceCall call, string soql, bool all, Func<JsonElement, string, T> map, CancellationToken cancellationToken)
    {
        var endpoint = all ? Endpoints.QueryAll : Endpoints.Query;
        var response = await GetAsync(call, call.Data((all ? "queryAll" : "query") + "?q=" + Uri.EscapeDataString(soql)), endpoint, cancellationToken).ConfigureAwait(false);
        return ReadQueryPage(response, endpoint, map);
    }

    /// <summary>Follows a <c>nextRecordsUrl</c>.</summary>
    private async Task<QueryPage<T>> QueryMoreAsync<T>(SalesforceCall call, string nextRecordsUrl, Func<JsonElement, string, T> map, CancellationToken cancellationToken)
    {
        var response = await GetAsync(call, call.Absolute(nextRecordsUrl, Endpoints.QueryMore), Endpoints.QueryMore, cancellationToken).ConfigureAwait(false);
        return ReadQueryPage(response, Endpoints.QueryMore, map);
    }

    /// <summary>Runs a query to its end (small result sets: lookups, one record's activities).</summary>
    private async Task<List<T>> QueryAllRowsAsync<T>(SalesforceCall call, string soql, Func<JsonElement, string, T> map, CancellationToken cancellationToken)
    {
        var page = await QueryAsync(call, soql, all: false, map, cancellationToken).ConfigureAwait(false);
        var rows = new List<T>(page.Rows);
        while (page.Next is not null)
        {
            page = await QueryMoreAsync(call, page.Next, map, cancellationToken).ConfigureAwait(false);
            rows.AddRange(page.Rows);
        }

        return rows;
    }

    /// <summary>A query result's page, its rows read one at a time (<see cref="CrmHttpResponse.TryReadRows"/>).</summary>
    private static QueryPage<T> ReadQueryPage<T>(CrmHttpResponse response, string endpoint, Func<JsonElement, string, T> map)
    {
        var rows = new List<T>();
        bool? done = null;
        string? next = null;
        var plain = true; // 'done' a boolean (else done stays null), 'nextRecordsUrl' a string or null: anything else is read by the document path
        var streamed = response.TryReadRows(Salesforce, "records", row => rows.Add(map(SalesforceJson.Object(row, endpoint, "a record"), endpoint)), (name, value) =>
        {
            if (name == "done")
            {
                done = value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;
            }
            else if (name == "nextRecordsUrl")
            {
                next = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                plain = value.ValueKind is JsonValueKind.String or JsonValueKind.Null;
            }
        });
        if (!streamed || !plain || done is null)
        {
            using var document = response.Json(Salesforce);
            return ReadQueryPage(document.RootElement, endpoint, map); // reports what is wrong with the body
        }

        if (done == false && string.IsNullOrEmpty(next))
        {
            throw SalesforceJson.Unexpected(endpoint, "'done' is false without a 'nextRecordsUrl'");
        }

        return new QueryPage<T>(rows, done == true ? null : next);
    }

    private static QueryPage<T> ReadQueryPage<T>(JsonElement root, string endpoint, Func<JsonElement, string, T> map)
    {
        SalesforceJson.Object(root, endpoint, "the query result");
        var records = SalesforceJson.Array(SalesforceJson.Property(root, "records", endpoint), endpoint, "'records'");
        var done = SalesforceJson.Bool(root, "done", endpoint) ?? throw SalesforceJson.Unexpected(endpoint, "'done' is missing");
        var next = SalesforceJson.String(root, "nextRecordsUrl", endpoint);
        if (!done && string.IsNullOrEmpty(next))
        {
            throw SalesforceJson.Unexpected(endpoint, "'done' is false without a 'nextRecordsUrl'");
        }

        var rows = new List<T>(records.GetArrayLength());
        foreach (var record in records.EnumerateArray())
        {
            rows.Add(map(SalesforceJson.Object(record, endpoint, "a record"), endpoint));
        }

        return new QueryPage<T>(rows, done ? null : next);
    }

    // ---- limits and errors -------------------------------------------------------------------------------------------

    protected override void ObserveLimits(CrmConnection connection, CrmHttpResponse response)
    {
        if (response.Header("Sforce-Limit-Info") is { } header && ApiUsagePattern().Match(header) is { Success: true } match
            && long.TryParse(match.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture, out var used)
            && long.TryParse(match.Groups[2].ValueSpan, System.Globalization.CultureInfo.InvariantCulture, out var max))
        {
            RateGate.Observe(connection, new RateObservation(null, null, used, max));
        }
    }

    protected override CrmSyncException MapError(CrmConnection connection, CrmHttpResponse response)
    {
        var status = (int)response.Status;
        var errors = SalesforceError.ReadAll(response.Body);
        var secrets = new[] { connection.AccessToken, connection.RefreshToken, _tokens.AccessTokenFor(connection) };
        var error = errors.Count > 0
            ? errors[0] with { Message = SecretRedactor.Redact(errors[0].Message, secrets) }
            : new SalesforceError(status >= 500 ? "SERVER_ERROR" : "UNKNOWN_ERROR", $"unreadable error body ({response.Body.Length} bytes)", []);

        switch (status)
        {
            case 401:
                return new CrmConnectionException(Salesforce, $"Salesforce rejected the credentials of connection '{connection.ConnectionKey}' ({error.Code}) after a refresh; the user must authorise again", requiresReauthorization: true);
            case 403 when error.Code == "REQUEST_LIMIT_EXCEEDED":
                if (error.Message.Contains("Concurrent", StringComparison.OrdinalIgnoreCase))
                {
                    SalesforceLog.ConcurrencyLimitReached(_logger, connection.ConnectionKey);
                    return new CrmRateLimitedException(Salesforce, TimeSpan.FromSeconds(20), CrmRateLimitScope.Concurrency, $"Salesforce concurrent request limit reached ({error.Message}); retry in a few seconds");
                }

                var pause = RateGate.PauseDaily(connection, retryAfter: null);
                SalesforceLog.DailyLimitReached(_logger, connection.ConnectionKey, error.Code, pause.TotalMinutes);
                return new CrmRateLimitedException(Salesforce, pause, CrmRateLimitScope.Daily, $"Salesforce daily API request limit reached ({error.Message}); connection '{connection.ConnectionKey}' pauses for {pause.TotalMinutes:0.#} min");
            case 420 or 429:
                var retryAfter = response.RetryAfter(Time.GetUtcNow()) ?? TimeSpan.FromSeconds(10);
                RateGate.PauseWindow(connection, retryAfter);
                return new CrmRateLimitedException(Salesforce, retryAfter, CrmRateLimitScope.Burst);
            case >= 500:
                return new CrmConnectionException(Salesforce, $"Salesforce {response.Endpoint} failed with HTTP {status} {error.Code}: {error.Message}");
            default:
                return new SalesforceApiException(response.Endpoint, status, error);
        }
    }

    [GeneratedRegex(@"api-usage=(\d+)/(\d+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ApiUsagePattern();

    /// <summary>Endpoint names for telemetry, error messages and the HTTP pipeline.</summary>
    internal static class Endpoints
    {
        public const string QueryPrefix = "salesforce.query";
        public const string Query = "salesforce.query";
        public const string QueryAll = "salesforce.queryAll";
        public const string QueryMore = "salesforce.query.more";
        public const string SObjectGet = "salesforce.sobjects.get";
        public const string SObjectCreate = "salesforce.sobjects.create";
        public const string CollectionsRetrieve = "salesforce.collections.retrieve";
        public const string CollectionsUpdate = "salesforce.collections.update";
        public const string CollectionsCreate = "salesforce.collections.create";
        public const string CompositeRead = "salesforce.composite.read";
        public const string CompositeNotes = "salesforce.composite.notes";

        public const string GraphNotes = "salesforce.graph.notes";
    }

    /// <summary>One call's connection, options and instance base URL.</summary>
    private sealed record SalesforceCall(CrmConnection Connection, SalesforceOptions Options, Func<string> CurrentBase)
    {
        /// <summary>Gets the instance address, read for every request so that calls after a move go to the new instance.</summary>
        public string BaseUrl => CurrentBase();

        public string DataPath(string relative) => $"/services/data/v{Options.ApiVersion}/{relative}";

        public Uri Data(string relative) => new(BaseUrl + DataPath(relative));

        /// <summary>Resolves a path Salesforce returned (<c>nextRecordsUrl</c>); only REST paths on this instance are followed, never another host.</summary>
        public Uri Absolute(string path, string endpoint)
        {
            if (!path.StartsWith("/services/data/", StringComparison.Ordinal) || path.Contains("://", StringComparison.Ordinal) || path.Contains("..", StringComparison.Ordinal) || path.Contains('\\', StringComparison.Ordinal))
            {
                throw SalesforceJson.Unexpected(endpoint, "'nextRecordsUrl' is not a REST path on the instance");
            }

            return new Uri(BaseUrl + path);
        }
    }

    private sealed record QueryPage<T>(List<T> Rows, string? Next);
}
