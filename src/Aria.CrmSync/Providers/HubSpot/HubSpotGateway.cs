using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Gateways.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>
/// The <see cref="ICrmGateway"/> for HubSpot Deals over the CRM v3 objects, v4 associations, search and pipelines
/// APIs, on the shared HTTP core (<see cref="CrmHttpGateway"/>): rate gate fed by <c>X-HubSpot-RateLimit-*</c>
/// headers, a separate throttle for search's per-second limit, bearer auth with OAuth refresh, resilience for
/// idempotent calls, HubSpot error bodies mapped to the library's exceptions.
/// </summary>
internal sealed partial class HubSpotGateway : CrmHttpGateway, ICrmGateway
{
    internal const int BatchLimit = 100;
    internal const int SearchPageSize = 200;
    internal const int AssociationBatchLimit = 1000;

    /// <summary>How many batch reads of one call to <see cref="BatchReadAsync"/> are in flight at once (the gate still paces them).</summary>
    internal const int ReadsInFlight = 4;

    /// <summary>The share of HubSpot's burst limit the gate uses in any rolling window.</summary>
    internal const double WindowShare = 0.92;

    /// <summary>The share of HubSpot's per-second search limit the search throttle uses.</summary>
    internal const double SearchShare = 0.9;

    internal static readonly string[] DealProperties =
    [
        "dealname", "amount", "closedate", "dealstage", "pipeline", "hs_lastmodifieddate", "hs_object_id", "createdate",
        "hs_is_closed", "hs_is_closed_won", "deal_currency_code",
    ];

    private readonly IOptionsMonitor<HubSpotOptions> _options;
    private readonly CrmRateGate _searchGate;
    private readonly HubSpotPipelineCache _pipelines = new();
    private readonly ILogger _logger;

    public HubSpotGateway(IHttpClientFactory httpClientFactory, IOptionsMonitor<HubSpotOptions> options, TimeProvider time, CrmSyncTelemetry telemetry, ILogger<HubSpotGateway>? logger = null)
        : base(() => httpClientFactory.CreateClient(HubSpotOptions.HttpClientName), new CrmRateGate(CrmProvider.HubSpot, c => PacedLimits(options.Get(c.OptionsName).RateLimits), time, countUntilResponse: true), time, telemetry)
    {
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _recordFields = new CrmRecordFields(this, time);
        _searchGate = new CrmRateGate(
            CrmProvider.HubSpot,
            c => PacedSearchLimits(options.Get(c.OptionsName).SearchRequestsPerSecond),
            time);
    }

    public CrmProvider Provider => CrmProvider.HubSpot;

    public int MaxUpdateBatchSize => BatchLimit;

    /// <summary>Gets the connection's rate gate (diagnostics and tests).</summary>
    internal CrmRateGate Gate => RateGate;

    /// <summary>Gets the connection's search throttle (diagnostics and tests).</summary>
    internal CrmRateGate SearchGate => _searchGate;

    protected override CrmProvider ProviderKind => CrmProvider.HubSpot;

    /// <summary>
    /// Derives the gate's window from HubSpot's documented burst limit C per rolling window W (its 429s name the policy
    /// <c>TEN_SECONDLY_ROLLING</c>): at most ⌊0.92·C⌋ requests in any W. The gate's sliding window
    /// (<see cref="CrmRateGate"/>) counts each request from its send until a window after its response (a request reaches
    /// HubSpot at the latest when its answer comes back), so HubSpot's window, counted by arrival, never holds more than
    /// the gate's, however long requests queued on the way; a steady stream sustains ⌊0.92·C⌋ per W plus a latency.
    /// </summary>
    internal static CrmRateLimits PacedLimits(CrmRateLimits documented)
    {
        if (documented.RequestsPerWindow is not { } c)
        {
            return documented;
        }

        return new CrmRateLimits
        {
            RequestsPerWindow = PacedShare(c),
            Window = documented.Window,
            MaxConcurrentRequests = documented.MaxConcurrentRequests,
            DailyQuotaThreshold = documented.DailyQuotaThreshold,
            DailyQuotaPause = documented.DailyQuotaPause,
        };
    }

    /// <summary>The requests the gate sends in a window of HubSpot's <paramref name="limit"/>.</summary>
    private static int PacedShare(int limit) => Math.Max(1, (int)Math.Floor(limit * WindowShare));

    /// <summary>
    /// Derives the search throttle from HubSpot's per-second search limit C: one search per window of 1/(0.9·C)
    /// seconds sends at most ⌈0.9·C⌉ ≤ C searches in any rolling second, spaced evenly, so the search-bound phases run
    /// at 90 % of the limit without bursts.
    /// </summary>
    internal static CrmRateLimits PacedSearchLimits(int perSecond)
        => new() { RequestsPerWindow = 1, Window = TimeSpan.FromSeconds(1) / (perSecond * SearchShare) };

    public async Task<CrmRecord?> GetRecordAsync(CrmConnection connection, string crmId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        RequireId(crmId, nameof(crmId));
        var paths = Paths(connection);
        var path = $"{paths.Object("deals", crmId)}?properties={string.Join(',', ReadProperties(RecordFieldsOf(connection)))}&archived=false";
        var response = await CallAsync(connection, HttpMethod.Get, path, null, "deals.get", idempotent: true, search: false, cancellationToken, HttpStatusCode.NotFound).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            return null;
        }

        using var document = response.Json(CrmProvider.HubSpot);
        var deal = HubSpotJson.Object(HubSpotJson.RootObject(document, response), response);
        return (await ToRecordsAsync(connection, [deal], cancellationToken).ConfigureAwait(false))[0];
    }

    public async Task<IReadOnlyList<CrmRecord>> GetRecordsAsync(CrmConnection connection, IReadOnlyList<string> crmIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(crmIds);
        foreach (var id in crmIds)
        {
            RequireId(id, nameof(crmIds));
        }

        var deals = await BatchReadAsync(connection, "deals", crmIds.Distinct(StringComparer.Ordinal).ToList(), ReadProperties(RecordFieldsOf(connection)), cancellationToken).ConfigureAwait(false);
        return await ToRecordsAsync(connection, deals, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads objects by id in batches of 100 (POST, marked idempotent); ids HubSpot does not know are left out.</summary>
    internal async Task<List<HubSpotObjectData>> BatchReadAsync(CrmConnection connection, string type, IReadOnlyList<string> ids, IReadOnlyList<string> properties, CancellationToken cancellationToken)
    {
        var chunks = ids.Chunk(BatchLimit).ToArray();
        if (chunks.Length == 1)
        {
            return await BatchReadChunkAsync(connection, type, chunks[0], properties, cancellationToken).ConfigureAwait(false);
        }

        var read = new List<HubSpotObjectData>[chunks.Length];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, chunks.Length),
            new ParallelOptions { MaxDegreeOfParallelism = ReadsInFlight, CancellationToken = cancellationToken },
            async (i, token) => read[i] = await BatchReadChunkAsync(connection, type, chunks[i], properties, token).ConfigureAwait(false)).ConfigureAwait(false);
        var found = new List<HubSpotObjectData>(ids.Count);
        foreach (var chunk in read)
        {
            found.AddRange(chunk);
        }

        return found;
    }

    private async Task<List<HubSpotObjectData>> BatchReadChunkAsync(CrmConnection connection, string type, string[] chunk, IReadOnlyList<string> properties, CancellationToken cancellationToken)
    {
        var paths = Paths(connection);
        var response = await CallAsync(
            connection,
            HttpMethod.Post,
            paths.Batch(type, "read") + "?archived=false",
            w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("properties");
                foreach (var property in properties)
                {
                    w.WriteStringValue(property);
                }

                w.WriteEndArray();
                w.WriteStartArray("inputs");
                foreach (var id in chunk)
                {
                    w.WriteStartObject();
                    w.WriteString("id", id);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            },
            $"{type}.batch.read",
            idempotent: true,
            search: false,
            cancellationToken,
            HttpStatusCode.MultiStatus).ConfigureAwait(false);
        return HubSpotJson.Results(response); // 207: the errors are ids that do not exist (OBJECT_NOT_FOUND)
    }

    /// <summary>Maps deals to records, with closed/won flags from the portal's pipeline metadata.</summary>
    internal async Task<List<CrmRecord>> ToRecordsAsync(CrmConnection connection, IReadOnlyList<HubSpotObjectData> deals, CancellationToken cancellationToken)
    {
        var list = new List<CrmRecord>(deals.Count);
        if (deals.Count == 0)
        {
            return list;
        }

        var custom = RecordFieldsOf(connection);
        var pipelines = await PipelinesAsync(connection, deals.Where(d => !string.IsNullOrEmpty(d["dealstage"])).Select(d => (d["pipeline"], d["dealstage"]!)).ToList(), cancellationToken).ConfigureAwait(false);
        foreach (var deal in deals)
        {
            list.Add(ToRecord(connection, deal, pipelines, custom));
        }

        return list;
    }

    private CrmRecord ToRecord(CrmConnection connection, HubSpotObjectData deal, HubSpotPipelineSet pipelines, IReadOnlyList<string> custom)
    {
        var stageId = string.IsNullOrEmpty(deal["dealstage"]) ? null : deal["dealstage"];
        var stage = stageId is null ? null : pipelines.Find(deal["pipeline"], stageId);
        if (stageId is not null && stage is null)
        {
            HubSpotLog.UnknownStage(_logger, stageId, deal["pipeline"], connection.ConnectionKey);
        }

        var metadata = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["pipeline"] = deal["pipeline"],
        };
        if (stage is not null)
        {
            metadata["stage_label"] = stage.Label;
            metadata["stage_probability"] = stage.Probability?.ToString("0.0##", CultureInfo.InvariantCulture);
        }

        if (deal["deal_currency_code"] is { Length: > 0 } currency)
        {
            metadata["currency"] = currency;
        }

        if (HubSpotJson.ParseTime(deal["createdate"]) is { } created)
        {
            metadata["created_at"] = HubSpotJson.FormatTime(created);
        }

        return new CrmRecord
        {
            CrmId = deal.Id,
            Provider = CrmProvider.HubSpot,
            Name = deal["dealname"] ?? string.Empty,
            Stage = stageId,
            Amount = HubSpotJson.ParseDecimal(deal["amount"]),
            CloseDate = HubSpotJson.ParseDate(deal["closedate"]),
            IsClosed = stage?.IsClosed ?? ParseBool(deal["hs_is_closed"]),
            IsWon = stage?.IsWon ?? ParseBool(deal["hs_is_closed_won"]),
            LastModifiedAt = deal.LastModified,
            IsDeleted = deal.Archived,
            Fields = custom.Count == 0 ? new Dictionary<string, string?>() : ReadRecordFields(deal, custom),
            Metadata = metadata,
        };
    }

    private static bool? ParseBool(string? value) => bool.TryParse(value, out var flag) ? flag : null;

    /// <summary>Gets the portal's pipelines, reloading them when a record names a stage they do not have.</summary>
    internal ValueTask<HubSpotPipelineSet> PipelinesAsync(CrmConnection connection, IReadOnlyCollection<(string? Pipeline, string Stage)> needed, CancellationToken cancellationToken)
        => _pipelines.GetAsync(
            connection,
            needed,
            async ct =>
            {
                var response = await CallAsync(connection, HttpMethod.Get, HubSpotPaths.DealPipelines, null, "pipelines.list", idempotent: true, search: false, ct).ConfigureAwait(false);
                var set = new HubSpotPipelineSet(HubSpotPipelineSet.Parse(response), Time.GetUtcNow());
                HubSpotLog.PipelinesLoaded(_logger, connection.ConnectionKey, set.Pipelines.Count, set.StageCount);
                return set;
            },
            Time.GetUtcNow(),
            _options.Get(connection.OptionsName).PipelineCacheDuration,
            cancellationToken);

    internal HubSpotOptions OptionsFor(CrmConnection connection) => _options.Get(connection.OptionsName);

    private HubSpotPaths Paths(CrmConnection connection) => new(OptionsFor(connection).ApiVersion);

    private Uri BaseFor(CrmConnection connection) => connection.InstanceUrl ?? OptionsFor(connection).BaseAddress;

    /// <summary>Validates a HubSpot record id (digits only) before it is put in a path or a body.</summary>
    internal static void RequireId(string? id, string field)
    {
        if (id is null || !IdPattern().IsMatch(id))
        {
            throw new CrmSyncValidationException($"'{Truncate(id)}' is not a HubSpot record id (1 to 20 digits).", field, CrmProvider.HubSpot);
        }
    }

    private static string Truncate(string? value) => value is null ? "null" : value.Length <= 40 ? value : value[..40] + "…";

    /// <summary>
    /// Sends one API request through the shared core; 429s are handled here: <c>DAILY</c> pauses the connection
    /// (<see cref="CrmRateGate.PauseDaily"/>) and throws <see cref="CrmRateLimitedException"/>; the ten-secondly and
    /// search-secondly limits pause the matching gate (Retry-After, else the interval header, else the window) and
    /// send again up to <see cref="HubSpotOptions.MaxRateLimitRetries"/> times. 423 Locked is retried after 2 s.
    /// </summary>
    internal async Task<CrmHttpResponse> CallAsync(
        CrmConnection connection,
        HttpMethod method,
        string pathAndQuery,
        Action<Utf8JsonWriter>? body,
        string endpoint,
        bool idempotent,
        bool search,
        CancellationToken cancellationToken,
        params HttpStatusCode[] accept)
    {
        var uri = new Uri(BaseFor(connection), pathAndQuery);
        var options = OptionsFor(connection);
        HttpStatusCode[] accepted = [.. accept, HttpStatusCode.TooManyRequests, HttpStatusCode.Locked];
        var refusedSoFar = true; // every attempt so far was refused unprocessed (429, 423): a give-up then wrote nothing
        for (var attempt = 1; ; attempt++)
        {
            CrmHttpResponse response;
            var searchLease = search ? await _searchGate.AcquireAsync(connection, cancellationToken).ConfigureAwait(false) : null;
            using (searchLease)
            {
                // Searches have their own per-second limit and do not count in the ten-second burst limit, so they
                // take no place in the general window (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details;
                // https://developers.hubspot.com/changelog/burst-limits-are-increasing-for-api-key-authenticated-calls).
                response = await SendAsync(connection, method, uri, body is null ? null : HubSpotJson.Content(body), endpoint, idempotent, countInWindow: !search, cancellationToken, accepted).ConfigureAwait(false);
            }

            refusedSoFar &= response.RefusedUnprocessed;

            if (response.Status == HttpStatusCode.TooManyRequests)
            {
                var policy = PolicyOf(response);
                var now = Time.GetUtcNow();
                if (policy == "DAILY")
                {
                    var pause = RateGate.PauseDaily(connection, response.RetryAfter(now));
                    HubSpotLog.DailyLimit(_logger, connection.ConnectionKey, pause.TotalMinutes);
                    throw Unprocessed(refusedSoFar, new CrmRateLimitedException(CrmProvider.HubSpot, pause, CrmRateLimitScope.Daily,
                        $"HubSpot daily API limit reached for connection '{connection.ConnectionKey}'; the connection pauses for {pause.TotalMinutes:0.#} min"));
                }

                var secondly = policy == "SECONDLY" || search;
                var delay = response.RetryAfter(now)
                    ?? (secondly ? TimeSpan.FromSeconds(1) : IntervalOf(response) ?? options.RateLimits.Window);
                (secondly ? _searchGate : RateGate).PauseWindow(connection, delay);
                HubSpotLog.RateLimited(_logger, policy ?? "unknown", connection.ConnectionKey, endpoint, delay.TotalMilliseconds, attempt);
                if (attempt > options.MaxRateLimitRetries)
                {
                    throw Unprocessed(refusedSoFar, new CrmRateLimitedException(CrmProvider.HubSpot, delay, CrmRateLimitScope.Burst,
                        $"HubSpot {(secondly ? "search" : "ten-second")} rate limit still reached after {attempt} attempts ({endpoint})"));
                }

                continue;
            }

            if (response.Status == HttpStatusCode.Locked)
            {
                if (attempt > options.MaxRateLimitRetries)
                {
                    throw Unprocessed(refusedSoFar, MapError(connection, response));
                }

                await Task.Delay(TimeSpan.FromSeconds(2), Time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            return response;
        }

        static CrmSyncException Unprocessed(bool refused, CrmSyncException exception)
            => refused ? CrmWriteFailure.MarkNotProcessed(exception) : exception;
    }

    protected override void ObserveLimits(CrmConnection connection, CrmHttpResponse response)
    {
        var max = ReadInt(response, "X-HubSpot-RateLimit-Max");
        var remaining = ReadInt(response, "X-HubSpot-RateLimit-Remaining");
        var daily = ReadLong(response, "X-HubSpot-RateLimit-Daily");
        var dailyRemaining = ReadLong(response, "X-HubSpot-RateLimit-Daily-Remaining");
        if (max is null && remaining is null && daily is null)
        {
            return; // search and OAuth responses carry no limit headers
        }

        // The gate's window holds the paced share of HubSpot's (see PacedLimits): scale the reported maximum alike, and
        // the remaining requests by what the share leaves out.
        int? scaledMax = max is > 0 ? PacedShare(max.Value) : null;
        int? scaledRemaining = remaining is { } left && scaledMax is { } share ? Math.Max(0, left - (max!.Value - share)) : remaining;
        RateGate.Observe(connection, new RateObservation(
            scaledRemaining,
            scaledMax,
            daily is { } d && dailyRemaining is { } r ? d - r : null,
            daily));
    }

    protected override CrmSyncException MapError(CrmConnection connection, CrmHttpResponse response)
    {
        string? category = null;
        string? message = null;
        string? correlationId = null;
        var codes = new List<string>();
        var scopes = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                category = HubSpotJson.Text(root, "category") ?? HubSpotJson.Text(root, "errorType");
                message = HubSpotJson.Text(root, "message");
                correlationId = HubSpotJson.Text(root, "correlationId");
                if (HubSpotJson.Child(root, "errors") is { ValueKind: JsonValueKind.Array } errors)
                {
                    foreach (var error in errors.EnumerateArray())
                    {
                        if (HubSpotJson.Text(error, "code") is { } code)
                        {
                            codes.Add(code);
                        }

                        if (HubSpotJson.Child(error, "context") is { } context && HubSpotJson.Child(context, "requiredGranularScopes") is { ValueKind: JsonValueKind.Array } required)
                        {
                            scopes.AddRange(required.EnumerateArray().Select(HubSpotJson.Text).OfType<string>());
                        }
                    }
                }
            }
        }
        catch (JsonException)
        {
            // not a HubSpot error body (a proxy's HTML page, a truncated body): described by status only
        }

        var status = (int)response.Status;
        var describe = $"HubSpot {response.Endpoint} failed with HTTP {status}{(category is null ? string.Empty : $" {category}")}{(message is null ? string.Empty : $": {Shorten(message)}")}";
        return response.Status switch
        {
            HttpStatusCode.Unauthorized => new CrmConnectionException(CrmProvider.HubSpot,
                $"HubSpot rejected the credentials of connection '{connection.ConnectionKey}' ({category ?? "HTTP 401"}); the user must authorise the app again",
                requiresReauthorization: true),
            HttpStatusCode.Forbidden when category == "MISSING_SCOPES" => new CrmConnectionException(CrmProvider.HubSpot,
                $"HubSpot refused {response.Endpoint}: the app lacks the scopes {string.Join(", ", scopes.Distinct(StringComparer.Ordinal))}; the user must authorise the app again with them",
                requiresReauthorization: true),
            HttpStatusCode.TooManyRequests => new CrmRateLimitedException(CrmProvider.HubSpot, response.RetryAfter(Time.GetUtcNow()), PolicyOf(response) == "DAILY" ? CrmRateLimitScope.Daily : CrmRateLimitScope.Burst),
            (HttpStatusCode)477 => new CrmConnectionException(CrmProvider.HubSpot, $"HubSpot is migrating the portal ({response.Endpoint}); retry after {response.RetryAfter(Time.GetUtcNow())?.TotalSeconds ?? 0:0} s"),
            _ when status >= 500 || response.Status is HttpStatusCode.RequestTimeout or HttpStatusCode.Locked => new CrmConnectionException(CrmProvider.HubSpot, describe),
            _ when response.Status == HttpStatusCode.NotFound && category is null => new HubSpotApiException(describe, response.Endpoint, status, "NOT_FOUND", codes, correlationId),
            _ => new HubSpotApiException(describe, response.Endpoint, status, category, codes, correlationId),
        };
    }

    private static string Shorten(string message) => message.Length <= 500 ? message : message[..500] + "…";

    private static string? PolicyOf(CrmHttpResponse response)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            var policy = HubSpotJson.Text(document.RootElement, "policyName");
            if (policy is not null)
            {
                return policy.ToUpperInvariant();
            }

            var message = HubSpotJson.Text(document.RootElement, "message") ?? string.Empty;
            return message.Contains("daily", StringComparison.OrdinalIgnoreCase) ? "DAILY"
                : message.Contains("secondly limit", StringComparison.OrdinalIgnoreCase) && !message.Contains("ten_secondly", StringComparison.OrdinalIgnoreCase) ? "SECONDLY"
                : "TEN_SECONDLY_ROLLING";
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TimeSpan? IntervalOf(CrmHttpResponse response)
        => ReadLong(response, "X-HubSpot-RateLimit-Interval-Milliseconds") is > 0 and var ms ? TimeSpan.FromMilliseconds(ms) : null;

    private static int? ReadInt(CrmHttpResponse response, string header)
        => int.TryParse(response.Header(header), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static long? ReadLong(CrmHttpResponse response, string header)
        => long.TryParse(response.Header(header), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    [GeneratedRegex(@"^[0-9]{1,20}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
