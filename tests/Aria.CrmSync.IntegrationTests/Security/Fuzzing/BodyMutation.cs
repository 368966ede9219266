using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;

namespace Aria.CrmSync.IntegrationTests.Security.Fuzzing;

/// <summary>What a fuzzed response's body undergoes.</summary>
internal enum MutationKind
{
    /// <summary>The body is cut at <see cref="BodyMutation.Position"/> (a per-mille of its length).</summary>
    Truncate,

    /// <summary>The JSON value at node <see cref="BodyMutation.Position"/> is replaced by <see cref="BodyMutation.Replacement"/> (raw text).</summary>
    ReplaceValue,

    /// <summary>The object property at node <see cref="BodyMutation.Position"/> is removed.</summary>
    RemoveProperty,

    /// <summary>The whole body is replaced by <see cref="BodyMutation.Replacement"/>.</summary>
    ReplaceBody,

    /// <summary>The body is kept but declared as <see cref="BodyMutation.Replacement"/> (a media type).</summary>
    WrongContentType,
}

/// <summary>One adversarial change to one CRM response (which one: <see cref="Response"/>, counted from 0).</summary>
internal sealed record BodyMutation(int Response, MutationKind Kind, int Position, string Replacement)
{
    private const string Placeholder = "__aria_fuzz_placeholder__";

    /// <summary>Raw JSON values that break a parser's assumptions: wrong types, huge numbers, nulls, deep nesting, non-BMP and lone surrogates.</summary>
    public static readonly string[] Values =
    [
        "null", "true", "0", "-1", "1e999999", "-99999999999999999999999999999999999999", "123456789012345678901234567890.5", "1.5e-400",
        "\"\"", "\"not a number\"", "\"𝔘😀\"", "\"\\ud800\"", "\"2026-13-45T99:99:99Z\"", "\"NaN\"", "[]", "{}", "[null]", "[1,\"x\",{}]",
        "{\"id\":{}}", new string('[', 5000) + new string(']', 5000), string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70),
        "\"" + new string('x', 100_000) + "\"",
    ];

    /// <summary>Whole bodies a proxy, a broken server or an attacker might answer with.</summary>
    public static readonly string[] Bodies =
    [
        "", " ", "null", "[]", "{}", "\"text\"", "42", "<html><body>502 Bad Gateway</body></html>", "{\"records\":null}", "{\"results\":[null]}",
        "{\"records\":[null],\"done\":true}", "{\"results\":\"x\",\"paging\":7}", "[{\"id\":null}]", "{\"totalSize\":1e999,\"done\":\"yes\",\"records\":{}}",
        "\uFEFF{}", "{\"a\":1}{\"b\":2}", "{'single':'quotes'}", "{\"unterminated\":\"", new string('[', 100_000),
    ];

    /// <summary>Media types a response might wrongly declare.</summary>
    public static readonly string[] ContentTypes = ["text/html", "application/xml", "text/plain; charset=iso-8859-1", "application/octet-stream", "application/json; charset=utf-16"];

    /// <summary>Generates a mutation of one of the first <paramref name="responses"/> responses.</summary>
    public static Arbitrary<BodyMutation> Arbitrary(int responses)
    {
        var kind = Gen.Elements(Enum.GetValues<MutationKind>());
        var gen =
            from response in Gen.Choose(0, responses - 1)
            from k in kind
            from position in Gen.Choose(0, 999)
            from replacement in k switch
            {
                MutationKind.ReplaceBody => Gen.Elements(Bodies),
                MutationKind.WrongContentType => Gen.Elements(ContentTypes),
                _ => Gen.Elements(Values),
            }
            select new BodyMutation(response, k, position, replacement);
        return Arb.From(gen);
    }

    /// <summary>Applies the mutation to a body, returning the new body and media type.</summary>
    public (byte[] Body, string? ContentType) Apply(byte[] body, string? contentType)
    {
        switch (Kind)
        {
            case MutationKind.Truncate:
                return (body[..(int)((long)body.Length * Position / 1000)], contentType);
            case MutationKind.ReplaceBody:
                return (Encoding.UTF8.GetBytes(Replacement), contentType);
            case MutationKind.WrongContentType:
                return (body, Replacement);
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            return (body, contentType);
        }

        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        if (nodes.Count == 0)
        {
            return (Encoding.UTF8.GetBytes(Replacement), contentType);
        }

        var target = nodes[Position % nodes.Count];
        var parent = target.Parent!;
        if (Kind == MutationKind.RemoveProperty)
        {
            if (parent is JsonObject obj)
            {
                obj.Remove(target.GetPropertyName());
            }
            else
            {
                ((JsonArray)parent).Remove(target);
            }

            return (Encoding.UTF8.GetBytes(root!.ToJsonString()), contentType);
        }

        if (parent is JsonObject o)
        {
            o[target.GetPropertyName()] = Placeholder;
        }
        else
        {
            ((JsonArray)parent)[target.GetElementIndex()] = Placeholder;
        }

        var text = root!.ToJsonString().Replace("\"" + Placeholder + "\"", Replacement, StringComparison.Ordinal);
        return (Encoding.UTF8.GetBytes(text), contentType);
    }

    public override string ToString()
        => $"response #{Response}: {Kind} at {Position} with {(Replacement.Length > 60 ? Replacement[..60] + $"... ({Replacement.Length} chars)" : Replacement)}";

    /// <summary>Collects every node below the root (the root itself has no parent to be replaced in).</summary>
    private static void Collect(JsonNode? node, List<JsonNode> into)
    {
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children)
        {
            if (child is not null)
            {
                into.Add(child);
                Collect(child, into);
            }
        }
    }
}
