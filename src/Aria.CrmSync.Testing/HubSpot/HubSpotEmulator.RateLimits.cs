using System.Globalization;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing;

/// <content>HubSpot's rate limits: per-app rolling burst window, per-account daily budget, search per second.</content>
public sealed partial class HubSpotEmulator
{
    private readonly Dictionary<string, Queue<DateTimeOffset>> _windows = new(StringComparer.Ordinal);
    private readonly Queue<DateTimeOffset> _searchWindow = new();
    private long _dailyUsed;
    private DateOnly _dailyDay;

    /// <summary>Gets the number of API calls counted against today's daily limit.</summary>
    public long DailyUsed
    {
        get
        {
            lock (_gate)
            {
                RollDay();
                return _dailyUsed;
            }
        }
    }

    /// <summary>Resets the daily counter (as HubSpot does at midnight in the account's time zone).</summary>
    public void ResetDailyLimit()
    {
        lock (_gate)
        {
            _dailyUsed = 0;
            _dailyDay = AccountDay();
        }
    }

    /// <summary>Clears the burst and search windows (every app starts with a full budget).</summary>
    public void ResetRateWindows()
    {
        lock (_gate)
        {
            _windows.Clear();
            _searchWindow.Clear();
        }
    }

    private JsonObject RateLimitBody(string policy, string correlationId)
    {
        var message = policy switch
        {
            "DAILY" => "You have reached your daily limit.",
            "SECONDLY" => "You have reached your secondly limit.",
            _ => "You have reached your ten_secondly_rolling limit.",
        };
        var group = policy switch
        {
            "DAILY" => "publicapi:daily:" + Invariant(_options.PortalId),
            "SECONDLY" => "publicapi:search-secondly:" + Invariant(_options.PortalId),
            _ => "publicapi:api-calls-ten-secondly:" + Invariant(_options.PortalId),
        };
        var body = new JsonObject
        {
            ["status"] = "error",
            ["message"] = message,
            ["errorType"] = "RATE_LIMIT",
            ["correlationId"] = correlationId,
            ["policyName"] = policy,
        };

        // HubSpot's captured bodies: the daily one carries requestId, the burst ones groupName. "category" is not in
        // them but the specs' Error schema requires it (and HubSpot announced RATE_LIMITS as the category).
        if (policy == "DAILY")
        {
            body["requestId"] = NewCorrelationId();
        }
        else
        {
            body["groupName"] = group;
        }

        body["category"] = "RATE_LIMITS";
        return body;
    }

    private DateOnly AccountDay() => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(Now, _options.AccountTimeZone).DateTime);

    private void RollDay()
    {
        var today = AccountDay();
        if (today != _dailyDay)
        {
            _dailyDay = today;
            _dailyUsed = 0;
        }
    }

    private Queue<DateTimeOffset> Window(string bucket)
    {
        if (!_windows.TryGetValue(bucket, out var window))
        {
            window = new Queue<DateTimeOffset>();
            _windows[bucket] = window;
        }

        var cutoff = Now - _options.RateLimitInterval;
        while (window.Count > 0 && window.Peek() <= cutoff)
        {
            window.Dequeue();
        }

        return window;
    }

    private EmulatorResponse? Throttle(HubSpotRequestContext context, HubSpotToken token, bool isSearch)
    {
        RollDay();
        if (_dailyUsed >= _options.DailyLimit)
        {
            var daily = EmulatorResponse.Json(429, RateLimitBody("DAILY", context.CorrelationId));
            if (!isSearch)
            {
                AddRateHeaders(daily, token, remainingOverride: null);
            }

            return daily.WithHeader("X-HubSpot-Correlation-Id", context.CorrelationId);
        }

        if (isSearch)
        {
            var cutoff = Now - TimeSpan.FromSeconds(1);
            while (_searchWindow.Count > 0 && _searchWindow.Peek() <= cutoff)
            {
                _searchWindow.Dequeue();
            }

            if (_searchWindow.Count >= _options.SearchRequestsPerSecond)
            {
                return EmulatorResponse.Json(429, RateLimitBody("SECONDLY", context.CorrelationId))
                    .WithHeader("X-HubSpot-Correlation-Id", context.CorrelationId);
            }

            _searchWindow.Enqueue(Now);
            _dailyUsed++;
            return null;
        }

        var window = Window(token.Bucket);
        if (window.Count >= _options.RequestsPerInterval)
        {
            var limited = EmulatorResponse.Json(429, RateLimitBody("TEN_SECONDLY_ROLLING", context.CorrelationId));
            AddRateHeaders(limited, token, remainingOverride: 0);
            return limited.WithHeader("X-HubSpot-Correlation-Id", context.CorrelationId);
        }

        window.Enqueue(Now);
        _dailyUsed++;
        return null;
    }

    private void AddRateHeaders(EmulatorResponse response, HubSpotToken token, int? remainingOverride)
    {
        RollDay();
        var window = Window(token.Bucket);
        var remaining = remainingOverride ?? Math.Max(0, _options.RequestsPerInterval - window.Count);
        if (!token.IsOAuth)
        {
            response.WithHeader("X-HubSpot-RateLimit-Daily", _options.DailyLimit.ToString(CultureInfo.InvariantCulture));
            response.WithHeader("X-HubSpot-RateLimit-Daily-Remaining", Math.Max(0, _options.DailyLimit - _dailyUsed).ToString(CultureInfo.InvariantCulture));
        }

        response.WithHeader("X-HubSpot-RateLimit-Interval-Milliseconds", ((long)_options.RateLimitInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        response.WithHeader("X-HubSpot-RateLimit-Max", _options.RequestsPerInterval.ToString(CultureInfo.InvariantCulture));
        response.WithHeader("X-HubSpot-RateLimit-Remaining", remaining.ToString(CultureInfo.InvariantCulture));
    }
}
