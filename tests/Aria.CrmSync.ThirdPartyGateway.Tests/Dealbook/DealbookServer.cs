using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.ThirdPartyGateway.Tests.Dealbook;

/// <summary>
/// "Dealbook", a small CRM of its own (Pipedrive-like deals, notes and activities) served in process over HTTP through
/// <see cref="CreateHandler"/>. Its wire shapes are its own: an envelope <c>{"success":…,"data":…}</c>, errors as
/// <c>{"success":false,"error":…,"error_code":…}</c>, keyset change pages (<c>since</c> + <c>after_id</c>,
/// <c>additional_data.more_items</c>), a batch update with a per-item <c>if_update_time</c> precondition and per-item
/// statuses, notes keyed by a client reference, OAuth refresh at <c>/oauth/token</c>, 429 with <c>Retry-After</c>.
/// </summary>
public sealed class DealbookServer
{
    public const int MaxBatch = 50;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly SortedDictionary<string, Deal> _deals = new(StringComparer.Ordinal);
    private readonly List<NoteRow> _notes = [];
    private readonly List<ActivityRow> _activities = [];
    private readonly Dictionary<string, string> _accessTokens = new(StringComparer.Ordinal); // token -> refresh token it came with
    private readonly HashSet<string> _refreshTokens = new(StringComparer.Ordinal);
    private readonly Queue<(HttpStatusCode Status, TimeSpan? RetryAfter)> _faults = new();
    private DateTimeOffset _last = DateTimeOffset.MinValue;
    private int _next;

    public DealbookServer(TimeProvider? time = null, int pageSize = 2)
    {
        _time = time ?? TimeProvider.System;
        PageSize = pageSize;
    }

    public Uri BaseAddress { get; } = new("https://api.dealbook.test/");

    /// <summary>Gets the page size of the change endpoints (small, so that paging is exercised).</summary>
    public int PageSize { get; }

    /// <summary>Gets every request's <c>METHOD path</c>, in arrival order.</summary>
    public List<string> Requests { get; } = [];

    public HttpMessageHandler CreateHandler() => new Handler(this);

    /// <summary>Issues an access token and its refresh token.</summary>
    public (string AccessToken, string RefreshToken) IssueTokens()
    {
        lock (_gate)
        {
            var refresh = "rt-" + Guid.NewGuid().ToString("N");
            var access = "at-" + Guid.NewGuid().ToString("N");
            _refreshTokens.Add(refresh);
            _accessTokens[access] = refresh;
            return (access, refresh);
        }
    }

    /// <summary>Expires every access token (the refresh tokens stay valid).</summary>
    public void ExpireAccessTokens()
    {
        lock (_gate)
        {
            _accessTokens.Clear();
        }
    }

    public void InjectFault(HttpStatusCode status, int count, TimeSpan? retryAfter = null)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _faults.Enqueue((status, retryAfter));
            }
        }
    }

    public void ClearFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    public string AddDeal(string title, string stage = "qualified", decimal? value = null, DateOnly? expectedClose = null)
    {
        lock (_gate)
        {
            var id = $"dl-{++_next:D6}";
            _deals[id] = new Deal { Id = id, Title = title, Stage = stage, Value = value, ExpectedClose = expectedClose, UpdateTime = Tick() };
            return id;
        }
    }

    /// <summary>Edits a deal as a person would: its update time moves on.</summary>
    public void EditDeal(string id, string? title = null, string? stage = null, decimal? value = null)
    {
        lock (_gate)
        {
            var deal = _deals[id];
            deal.Title = title ?? deal.Title;
            deal.Stage = stage ?? deal.Stage;
            deal.Value = value ?? deal.Value;
            deal.UpdateTime = Tick();
        }
    }

    public (string Title, string Stage, decimal? Value, DateOnly? ExpectedClose)? GetDeal(string id)
    {
        lock (_gate)
        {
            return _deals.TryGetValue(id, out var d) ? (d.Title, d.Stage, d.Value, d.ExpectedClose) : null;
        }
    }

    public IReadOnlyList<string> NotesOf(string dealId)
    {
        lock (_gate)
        {
            return _notes.Where(n => n.DealId == dealId).Select(n => n.Content).ToList();
        }
    }

    public string AddActivity(string dealId, string subject, string type = "call", DateTimeOffset? due = null)
    {
        lock (_gate)
        {
            var id = $"ac-{++_next:D6}";
            _activities.Add(new ActivityRow(id, dealId, type, subject, due ?? _time.GetUtcNow(), Tick()));
            return id;
        }
    }

    private DateTimeOffset Tick()
    {
        var now = _time.GetUtcNow();
        now = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        _last = now > _last ? now : _last.AddMilliseconds(1); // update times are distinct and increasing
        return _last;
    }

    private HttpResponseMessage Handle(HttpRequestMessage request, string? body)
    {
        lock (_gate)
        {
            var path = request.RequestUri!.AbsolutePath.TrimEnd('/');
            Requests.Add($"{request.Method} {path}");
            var query = Query(request.RequestUri);
            if (path == "/oauth/token")
            {
                return Token(body ?? string.Empty);
            }

            if (request.Headers.Authorization is not { Scheme: "Bearer", Parameter: { } token } || !_accessTokens.ContainsKey(token))
            {
                return Error(HttpStatusCode.Unauthorized, "AUTH_INVALID", "The access token is invalid or expired");
            }

            if (_faults.TryDequeue(out var fault))
            {
                var response = Error(fault.Status, fault.Status == HttpStatusCode.TooManyRequests ? "RATE_LIMIT" : "INTERNAL", fault.Status == HttpStatusCode.TooManyRequests ? "Rate limit exceeded" : "Internal error");
                if (fault.RetryAfter is { } after)
                {
                    response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(after);
                }

                return response;
            }

            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var result = (request.Method.Method, segments) switch
            {
                ("GET", ["v1", "deals"]) when (query.GetValueOrDefault("ids") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Any(id => !IsDealId(id))
                    => Error(HttpStatusCode.BadRequest, "INVALID_ID", "ids must be deal ids (dl-nnnnnn)"),
                ("GET", ["v1", "deals"]) => Ok(new JsonArray([.. (query.GetValueOrDefault("ids") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).Where(_deals.ContainsKey).Select(id => DealJson(_deals[id]))])),
                ("GET", ["v1", "deals", "changes"]) => ChangePage(_deals.Values.Select(d => (d.UpdateTime, d.Id, (JsonNode)DealJson(d))), query),
                ("GET", ["v1", "deals", var id]) => _deals.TryGetValue(id, out var deal) ? Ok(DealJson(deal)) : Error(HttpStatusCode.NotFound, "NOT_FOUND", "Deal not found"),
                ("POST", ["v1", "deals", "batch-update"]) => BatchUpdate(body),
                ("GET", ["v1", "deals", var id, "activities"]) => _deals.ContainsKey(id)
                    ? Ok(new JsonArray([.. _activities.Where(a => a.DealId == id && (!query.TryGetValue("since", out var s) || a.UpdateTime > Time(s))).OrderBy(a => a.UpdateTime).Select(ActivityJson)]))
                    : Error(HttpStatusCode.NotFound, "NOT_FOUND", "Deal not found"),
                ("GET", ["v1", "activities", "changes"]) => ChangePage(_activities.Select(a => (a.UpdateTime, a.Id, (JsonNode)ActivityJson(a))), query),
                ("GET", ["v1", "notes"]) => Ok(new JsonArray([.. _notes.Where(n => n.DealId == query.GetValueOrDefault("deal_id") && n.ClientRef == query.GetValueOrDefault("client_ref")).Select(NoteJson)])),
                ("POST", ["v1", "notes"]) => AddNote(body),
                _ => Error(HttpStatusCode.NotFound, "NO_ROUTE", $"No route {request.Method} {path}"),
            };
            result.Headers.Add("X-RateLimit-Limit", "80");
            result.Headers.Add("X-RateLimit-Remaining", "79");
            return result;
        }
    }

    private HttpResponseMessage Token(string body)
    {
        var form = body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : string.Empty, StringComparer.Ordinal);
        if (form.GetValueOrDefault("grant_type") != "refresh_token" || !_refreshTokens.Contains(form.GetValueOrDefault("refresh_token") ?? string.Empty))
        {
            return Json(HttpStatusCode.BadRequest, new JsonObject { ["error"] = "invalid_grant" });
        }

        var access = "at-" + Guid.NewGuid().ToString("N");
        _accessTokens[access] = form["refresh_token"];
        return Json(HttpStatusCode.OK, new JsonObject { ["access_token"] = access, ["token_type"] = "bearer", ["expires_in"] = 3600 });
    }

    private HttpResponseMessage ChangePage(IEnumerable<(DateTimeOffset Time, string Id, JsonNode Json)> rows, Dictionary<string, string> query)
    {
        var since = query.TryGetValue("since", out var s) ? Time(s) : DateTimeOffset.MinValue;
        var afterId = query.GetValueOrDefault("after_id");
        var limit = Math.Min(PageSize, int.Parse(query.GetValueOrDefault("limit") ?? "100", CultureInfo.InvariantCulture));
        var after = rows.Where(r => r.Time > since || (r.Time == since && (afterId is null || string.CompareOrdinal(r.Id, afterId) > 0)))
            .OrderBy(r => r.Time).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        var page = after.Take(limit).ToList();
        var envelope = new JsonObject
        {
            ["success"] = true,
            ["data"] = new JsonArray([.. page.Select(r => r.Json.DeepClone())]),
            ["additional_data"] = new JsonObject
            {
                ["more_items"] = after.Count > page.Count,
                ["next_since"] = page.Count > 0 ? Format(page[^1].Time) : null,
                ["next_after_id"] = page.Count > 0 ? page[^1].Id : null,
            },
        };
        return Json(HttpStatusCode.OK, envelope);
    }

    private HttpResponseMessage BatchUpdate(string? body)
    {
        var items = JsonNode.Parse(body ?? "{}")?["items"]?.AsArray();
        if (items is null || items.Count is 0 or > MaxBatch)
        {
            return Error(HttpStatusCode.BadRequest, "INVALID_BATCH", $"items must hold 1 to {MaxBatch} entries");
        }

        var results = new JsonArray();
        foreach (var item in items)
        {
            var id = (string)item!["id"]!;
            if (!_deals.TryGetValue(id, out var deal))
            {
                results.Add(new JsonObject { ["id"] = id, ["status"] = "error", ["error_code"] = "NOT_FOUND", ["error"] = "Deal not found" });
                continue;
            }

            if (item["if_update_time"] is { } expected && Time((string)expected!) != deal.UpdateTime)
            {
                results.Add(new JsonObject { ["id"] = id, ["status"] = "error", ["error_code"] = "STALE", ["error"] = "The deal changed since " + (string)expected! });
                continue;
            }

            var fields = item["fields"]!.AsObject();
            if (fields.TryGetPropertyValue("stage", out var stage) && (string?)stage is not ("qualified" or "negotiation" or "won" or "lost"))
            {
                results.Add(new JsonObject { ["id"] = id, ["status"] = "error", ["error_code"] = "INVALID_STAGE", ["error"] = "Unknown stage" });
                continue;
            }

            foreach (var (name, value) in fields)
            {
                switch (name)
                {
                    case "title": deal.Title = (string?)value ?? deal.Title; break;
                    case "stage": deal.Stage = (string)value!; break;
                    case "value": deal.Value = value is null ? null : (decimal)value; break;
                    case "expected_close": deal.ExpectedClose = value is null ? null : DateOnly.ParseExact((string)value!, "yyyy-MM-dd", CultureInfo.InvariantCulture); break;
                }
            }

            deal.UpdateTime = Tick();
            results.Add(new JsonObject { ["id"] = id, ["status"] = "updated", ["update_time"] = Format(deal.UpdateTime) });
        }

        return Ok(results);
    }

    private HttpResponseMessage AddNote(string? body)
    {
        var json = JsonNode.Parse(body ?? "{}")!;
        var dealId = (string?)json["deal_id"];
        if (dealId is null || !_deals.ContainsKey(dealId))
        {
            return Error(HttpStatusCode.NotFound, "NOT_FOUND", "Deal not found");
        }

        var note = new NoteRow($"nt-{++_next:D6}", dealId, (string)json["content"]!, (string?)json["client_ref"], Tick());
        _notes.Add(note);
        return Json(HttpStatusCode.Created, new JsonObject { ["success"] = true, ["data"] = NoteJson(note) });
    }

    private static bool IsDealId(string id) => id.Length == 9 && id.StartsWith("dl-", StringComparison.Ordinal) && id[3..].All(char.IsAsciiDigit);

    private static JsonObject DealJson(Deal d) => new()
    {
        ["id"] = d.Id,
        ["title"] = d.Title,
        ["stage"] = d.Stage,
        ["value"] = d.Value,
        ["expected_close"] = d.ExpectedClose?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["status"] = d.Stage switch { "won" => "won", "lost" => "lost", _ => "open" },
        ["update_time"] = Format(d.UpdateTime),
    };

    private static JsonObject ActivityJson(ActivityRow a) => new()
    {
        ["id"] = a.Id,
        ["deal_id"] = a.DealId,
        ["type"] = a.Type,
        ["subject"] = a.Subject,
        ["due_time"] = Format(a.Due),
        ["update_time"] = Format(a.UpdateTime),
    };

    private static JsonObject NoteJson(NoteRow n) => new() { ["id"] = n.Id, ["deal_id"] = n.DealId, ["content"] = n.Content, ["client_ref"] = n.ClientRef };

    private static HttpResponseMessage Ok(JsonNode data) => Json(HttpStatusCode.OK, new JsonObject { ["success"] = true, ["data"] = data });

    private static HttpResponseMessage Error(HttpStatusCode status, string code, string message)
        => Json(status, new JsonObject { ["success"] = false, ["error"] = message, ["error_code"] = code });

    private static HttpResponseMessage Json(HttpStatusCode status, JsonNode body)
        => new(status) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static Dictionary<string, string> Query(Uri uri)
        => uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : string.Empty, StringComparer.Ordinal);

    private sealed class Deal
    {
        public required string Id { get; init; }

        public required string Title { get; set; }

        public required string Stage { get; set; }

        public decimal? Value { get; set; }

        public DateOnly? ExpectedClose { get; set; }

        public DateTimeOffset UpdateTime { get; set; }
    }

    private sealed record NoteRow(string Id, string DealId, string Content, string? ClientRef, DateTimeOffset UpdateTime);

    private sealed record ActivityRow(string Id, string DealId, string Type, string Subject, DateTimeOffset Due, DateTimeOffset UpdateTime);

    private sealed class Handler(DealbookServer server) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            var response = server.Handle(request, body);
            response.RequestMessage = request;
            return response;
        }
    }
}
