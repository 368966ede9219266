using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Aria.CrmSync.Testing;

/// <content>CRM search: filter groups, operators, sorts, free-text query, offset paging and the result cap.</content>
public sealed partial class HubSpotEmulator
{
    private const int MaxFilterGroups = 5;
    private const int MaxFiltersPerGroup = 6;
    private const int MaxFilters = 18;
    private const int MaxSearchLimit = 200;
    private const int MaxQueryLength = 3000;

    private static readonly HashSet<string> Operators = new(StringComparer.Ordinal)
    {
        "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
    };

    private static readonly Regex TokenSplitter = new(@"[^\p{L}\p{N}@._\-*]+", RegexOptions.CultureInvariant);

    private sealed record SearchFilter(string PropertyName, string Operator, string? Value, string? HighValue, List<string> Values);

    /// <summary>
    /// Date-time values as search compares them, parsed once: every search filters and sorts the whole object type by
    /// them, and parsing the stored text again for each object and comparison made the emulator's own CPU, not the
    /// client's, the cost of a large change stream. Cleared when it holds more distinct values than objects are likely.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset?> _parsedTimes = new(StringComparer.Ordinal);

    private const int ParsedTimesKept = 1_000_000;

    private bool TryParseTimeCached(string value, out DateTimeOffset result)
    {
        if (!_parsedTimes.TryGetValue(value, out var parsed))
        {
            if (_parsedTimes.Count >= ParsedTimesKept)
            {
                _parsedTimes.Clear();
            }

            parsed = TryParseDateTime(value, out var time) ? time : null;
            _parsedTimes[value] = parsed;
        }

        result = parsed.GetValueOrDefault();
        return parsed.HasValue;
    }

    private int? SortKeyCompare(string? a, string? b, HubSpotPropertyType type)
    {
        if (a is null || b is null)
        {
            return null;
        }

        switch (type)
        {
            case HubSpotPropertyType.Number:
                if (decimal.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && decimal.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
                {
                    return x.CompareTo(y);
                }

                break;
            case HubSpotPropertyType.DateTime or HubSpotPropertyType.Date:
                if (TryParseTimeCached(a, out var t1) && TryParseTimeCached(b, out var t2))
                {
                    return t1.CompareTo(t2);
                }

                break;
            case HubSpotPropertyType.Enumeration:
                return string.CompareOrdinal(a, b);
        }

        return string.Compare(a, b, StringComparison.OrdinalIgnoreCase);
    }

    private static bool TokenMatch(string? value, string pattern)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var regex = new Regex("^" + Regex.Escape(pattern.Trim()).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        return regex.IsMatch(value.Trim()) || TokenSplitter.Split(value).Any(token => token.Length > 0 && regex.IsMatch(token));
    }

    private static (string Property, bool Descending)? ParseSort(JsonNode? node)
    {
        if (node is JsonObject sort)
        {
            var name = ReadString(sort["propertyName"]);
            var direction = ReadString(sort["direction"]) ?? "ASCENDING";
            return name is null ? null : (name, direction.StartsWith("DESC", StringComparison.OrdinalIgnoreCase));
        }

        var text = ReadString(node)?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (text.StartsWith('{'))
        {
            try
            {
                return ParseSort(JsonNode.Parse(text));
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return text.StartsWith('-') ? (text[1..], true) : (text, false);
    }

    private EmulatorResponse Search(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        var correlationId = context.CorrelationId;
        if (context.Request.Body.Length > MaxQueryLength)
        {
            throw Invalid(correlationId, $"The request body is too long: it must be at most {MaxQueryLength} characters.");
        }

        var body = context.Request.Body.Length == 0 ? [] : ParseObjectBody(context.Request, correlationId);
        var groups = ParseFilterGroups(body, correlationId);
        var query = ReadString(body["query"]);
        if (query is { Length: > MaxQueryLength })
        {
            throw Invalid(correlationId, $"query must be at most {MaxQueryLength} characters.");
        }

        var limit = 10;
        if (body["limit"] is { } limitNode && ReadString(limitNode) is { } limitText)
        {
            if (!int.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out limit) || limit < 0)
            {
                throw Invalid(correlationId, $"Invalid limit: {limitText}");
            }

            if (limit > MaxSearchLimit)
            {
                throw Invalid(correlationId, $"limit must be less than or equal to {MaxSearchLimit}, but was {limit}.", Context("limit", limitText));
            }

            if (limit == 0)
            {
                limit = 10;
            }
        }

        var offset = 0;
        if (ReadString(body["after"]) is { Length: > 0 } afterText && !int.TryParse(afterText, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
        {
            throw Invalid(correlationId, $"Invalid after: {afterText}. The paging cursor of search is an integer offset.");
        }

        if (offset >= _options.SearchResultCap)
        {
            throw Invalid(
                correlationId,
                $"Search results are limited to {_options.SearchResultCap} total; paging past {_options.SearchResultCap} results is not supported. Refine the filters to narrow the results.",
                Context("after", Invariant(offset)));
        }

        var sort = (body["sorts"] as JsonArray)?.Select(ParseSort).FirstOrDefault(s => s is not null);
        var matches = Indexed(type).Where(o => !o.Archived)
            .Where(o => groups.Count == 0 || groups.Any(g => g.All(f => Matches(o, f))))
            .Where(o => MatchesQuery(o, query))
            .ToList();

        if (sort is { } s)
        {
            var propertyType = type.TryGetProperty(s.Property, out var definition) ? definition.Type : HubSpotPropertyType.String;
            matches.Sort((a, b) =>
            {
                var va = a.Get(s.Property);
                var vb = b.Get(s.Property);
                if (va is null || vb is null)
                {
                    return va is null && vb is null ? a.Id.CompareTo(b.Id) : va is null ? 1 : -1;
                }

                var compare = SortKeyCompare(va, vb, propertyType) ?? 0;
                return compare != 0 ? (s.Descending ? -compare : compare) : a.Id.CompareTo(b.Id);
            });
        }
        else
        {
            matches.Sort((a, b) => a.CreatedAt != b.CreatedAt ? a.CreatedAt.CompareTo(b.CreatedAt) : a.Id.CompareTo(b.Id));
        }

        var properties = StringList(body["properties"]) ?? [];
        var end = Math.Min(Math.Min(offset + limit, matches.Count), _options.SearchResultCap);
        var results = new JsonArray();
        for (var i = offset; i < end; i++)
        {
            results.Add(ObjectJson(matches[i], properties));
        }

        var response = new JsonObject { ["total"] = matches.Count, ["results"] = results };
        if (end < matches.Count)
        {
            response["paging"] = new JsonObject { ["next"] = new JsonObject { ["after"] = Invariant(end) } };
        }

        return EmulatorResponse.Json(200, response);
    }

    private List<List<SearchFilter>> ParseFilterGroups(JsonObject body, string correlationId)
    {
        var groups = new List<List<SearchFilter>>();
        var rawGroups = new List<JsonArray>();
        if (body["filterGroups"] is JsonArray filterGroups)
        {
            foreach (var group in filterGroups)
            {
                rawGroups.Add(group?["filters"] as JsonArray ?? []);
            }
        }

        if (body["filters"] is JsonArray topLevel && topLevel.Count > 0)
        {
            rawGroups.Add(topLevel);
        }

        if (rawGroups.Count > MaxFilterGroups)
        {
            throw Invalid(correlationId, $"Up to {MaxFilterGroups} filterGroups are allowed in a search request, but {rawGroups.Count} were given.", Context("filterGroups", Invariant(rawGroups.Count)));
        }

        var total = 0;
        foreach (var rawFilters in rawGroups)
        {
            if (rawFilters.Count > MaxFiltersPerGroup)
            {
                throw Invalid(correlationId, $"Up to {MaxFiltersPerGroup} filters are allowed in a filterGroup, but {rawFilters.Count} were given.", Context("filters", Invariant(rawFilters.Count)));
            }

            total += rawFilters.Count;
            var filters = new List<SearchFilter>();
            foreach (var raw in rawFilters)
            {
                var name = ReadString(raw?["propertyName"]);
                var op = ReadString(raw?["operator"]) ?? "EQ";
                if (string.IsNullOrEmpty(name))
                {
                    throw Invalid(correlationId, "Each filter needs a propertyName.");
                }

                if (!Operators.Contains(op))
                {
                    throw Invalid(correlationId, $"Invalid operator {op}: expected one of {string.Join(", ", Operators.Order(StringComparer.Ordinal))}.", Context("operator", op));
                }

                var values = StringList(raw?["values"]) ?? [];
                var value = ReadString(raw?["value"]);
                var high = ReadString(raw?["highValue"]);
                if (op is "IN" or "NOT_IN" && values.Count == 0)
                {
                    throw Invalid(correlationId, $"The {op} operator needs values.", Context("propertyName", name));
                }

                if (op is "EQ" or "NEQ" or "LT" or "LTE" or "GT" or "GTE" or "CONTAINS_TOKEN" or "NOT_CONTAINS_TOKEN" && value is null)
                {
                    throw Invalid(correlationId, $"The {op} operator needs a value.", Context("propertyName", name));
                }

                if (op == "BETWEEN" && (value is null || high is null))
                {
                    throw Invalid(correlationId, "The BETWEEN operator needs value and highValue.", Context("propertyName", name));
                }

                filters.Add(new SearchFilter(name, op, value, high, values));
            }

            groups.Add(filters);
        }

        if (total > MaxFilters)
        {
            throw Invalid(correlationId, $"Up to {MaxFilters} filters are allowed in a search request, but {total} were given.", Context("filters", Invariant(total)));
        }

        return groups;
    }

    private bool Matches(HubSpotStoredObject obj, SearchFilter filter)
    {
        if (filter.PropertyName.StartsWith("associations.", StringComparison.Ordinal))
        {
            var toTypeName = filter.PropertyName["associations.".Length..];
            if (!_types.TryGetValue(toTypeName, out var toType))
            {
                return false;
            }

            var ids = Edges(obj.Type.Name, obj.Id, toType.Name).Select(e => Invariant(e.ToId)).ToHashSet(StringComparer.Ordinal);
            return filter.Operator switch
            {
                "EQ" => ids.Contains(filter.Value!),
                "NEQ" => !ids.Contains(filter.Value!),
                "IN" => filter.Values.Any(ids.Contains),
                "NOT_IN" => !filter.Values.Any(ids.Contains),
                "HAS_PROPERTY" => ids.Count > 0,
                "NOT_HAS_PROPERTY" => ids.Count == 0,
                _ => false,
            };
        }

        var value = obj.Get(filter.PropertyName);
        if (value is { Length: 0 })
        {
            value = null;
        }

        var type = obj.Type.TryGetProperty(filter.PropertyName, out var definition) ? definition.Type : HubSpotPropertyType.String;
        bool Equal(string other) => SortKeyCompare(value, other, type) == 0;
        return filter.Operator switch
        {
            "HAS_PROPERTY" => value is not null,
            "NOT_HAS_PROPERTY" => value is null,
            "EQ" => Equal(filter.Value!),
            "NEQ" => value is null || !Equal(filter.Value!),
            "LT" => SortKeyCompare(value, filter.Value, type) < 0,
            "LTE" => SortKeyCompare(value, filter.Value, type) <= 0,
            "GT" => SortKeyCompare(value, filter.Value, type) > 0,
            "GTE" => SortKeyCompare(value, filter.Value, type) >= 0,
            "BETWEEN" => SortKeyCompare(value, filter.Value, type) >= 0 && SortKeyCompare(value, filter.HighValue, type) <= 0,
            "IN" => value is not null && filter.Values.Any(Equal),
            "NOT_IN" => value is null || !filter.Values.Any(Equal),
            "CONTAINS_TOKEN" => TokenMatch(value, filter.Value!),
            "NOT_CONTAINS_TOKEN" => !TokenMatch(value, filter.Value!),
            _ => false,
        };
    }

    private static bool MatchesQuery(HubSpotStoredObject obj, string? query)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            return true;
        }

        var tokens = obj.Type.QueryProperties
            .Select(obj.Get)
            .Where(v => !string.IsNullOrEmpty(v))
            .SelectMany(v => TokenSplitter.Split(v!).Append(v!))
            .Where(t => t.Length > 0)
            .ToList();
        tokens.Add(obj.IdText);
        return query.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .All(term => tokens.Any(token => token.StartsWith(term, StringComparison.OrdinalIgnoreCase)));
    }
}
