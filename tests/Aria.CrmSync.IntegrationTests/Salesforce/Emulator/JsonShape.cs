using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

/// <summary>Compares two JSON documents by shape: property names, JSON types and nesting (values may differ).</summary>
internal static partial class JsonShape
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")]
    private static partial Regex WireDateTime();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex WireDate();

    /// <summary>
    /// Asserts that <paramref name="actual"/> has the shape of <paramref name="expected"/>: the same property names
    /// (extra ones only when listed in <paramref name="allowedExtra"/>), the same JSON kinds, arrays whose elements have
    /// the shape of the expected ones (pairwise when the lengths match, else of the first), empty where expected empty,
    /// and Salesforce date/date-time strings where the expected has them.
    /// </summary>
    public static void AssertSameShape(JsonNode? expected, JsonNode? actual, string path = "$", IReadOnlySet<string>? allowedExtra = null)
    {
        switch (expected)
        {
            case null:
                if (actual is not null)
                {
                    throw new XunitException($"{path}: expected null but was {actual.ToJsonString()}");
                }

                return;
            case JsonObject expectedObject:
                if (actual is not JsonObject actualObject)
                {
                    throw new XunitException($"{path}: expected an object but was {Describe(actual)}");
                }

                foreach (var (name, value) in expectedObject)
                {
                    if (!actualObject.TryGetPropertyValue(name, out var actualValue))
                    {
                        throw new XunitException($"{path}: missing property '{name}' (actual properties: {string.Join(", ", actualObject.Select(p => p.Key))})");
                    }

                    AssertSameShape(value, actualValue, $"{path}.{name}", allowedExtra);
                }

                var extra = actualObject.Select(p => p.Key).Where(k => !expectedObject.ContainsKey(k) && !(allowedExtra?.Contains(k) ?? false)).ToList();
                if (extra.Count > 0)
                {
                    throw new XunitException($"{path}: unexpected properties {string.Join(", ", extra)}");
                }

                return;
            case JsonArray expectedArray:
                if (actual is not JsonArray actualArray)
                {
                    throw new XunitException($"{path}: expected an array but was {Describe(actual)}");
                }

                if (expectedArray.Count == 0 || actualArray.Count == 0)
                {
                    if (expectedArray.Count != actualArray.Count)
                    {
                        throw new XunitException($"{path}: expected {expectedArray.Count} elements but found {actualArray.Count}");
                    }

                    return;
                }

                for (var i = 0; i < actualArray.Count; i++)
                {
                    var template = expectedArray.Count == actualArray.Count ? expectedArray[i] : expectedArray[0];
                    AssertSameShape(template, actualArray[i], $"{path}[{i}]", allowedExtra);
                }

                return;
            default:
                var kind = expected.GetValueKind();
                var actualKind = actual?.GetValueKind() ?? JsonValueKind.Null;
                var same = kind == actualKind || (kind is JsonValueKind.True or JsonValueKind.False && actualKind is JsonValueKind.True or JsonValueKind.False);
                if (!same)
                {
                    throw new XunitException($"{path}: expected a {kind} but was {Describe(actual)}");
                }

                if (kind == JsonValueKind.String)
                {
                    var e = expected.GetValue<string>();
                    var a = actual!.GetValue<string>();
                    if (WireDateTime().IsMatch(e) && !WireDateTime().IsMatch(a))
                    {
                        throw new XunitException($"{path}: expected a Salesforce date-time like {e} but was {a}");
                    }

                    if (WireDate().IsMatch(e) && !WireDate().IsMatch(a))
                    {
                        throw new XunitException($"{path}: expected a date like {e} but was {a}");
                    }
                }

                return;
        }
    }

    /// <summary>Renames properties of an example whose object types the emulator does not have (dotted paths, arrays transparent).</summary>
    public static JsonNode? Rename(JsonNode? node, IReadOnlyDictionary<string, string> map, string path = "")
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (name, value) in obj)
                {
                    var full = path.Length == 0 ? name : path + "." + name;
                    copy[map.GetValueOrDefault(full, name)] = Rename(value, map, full);
                }

                return copy;
            case JsonArray array:
                return new JsonArray([.. array.Select(item => Rename(item, map, path))]);
            default:
                return node?.DeepClone();
        }
    }

    private static string Describe(JsonNode? node) => node is null ? "null" : $"{node.GetValueKind()} {node.ToJsonString()}";
}
