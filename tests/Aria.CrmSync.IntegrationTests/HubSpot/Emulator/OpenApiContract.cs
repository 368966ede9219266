using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Web;
using Aria.CrmSync.Testing;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

/// <summary>
/// HubSpot's official OpenAPI specs (copied into the test output) read with Microsoft.OpenApi, and a JSON validator
/// over the OpenAPI schema model: types, formats (date-time, uuid), enums, required, properties,
/// additionalProperties, arrays, allOf/anyOf/oneOf and references.
/// </summary>
/// <remarks>
/// One deliberate leniency: JSON <c>null</c> is accepted for an optional (not required) property or map value, because
/// HubSpot returns <c>null</c> for requested-but-empty properties and unlabelled association types although the
/// specs declare plain strings. A required field that is missing or null, or a value of the wrong type, fails.
/// </remarks>
internal sealed class OpenApiContract
{
    private static readonly Lazy<OpenApiContract> Shared = new(Load);
    private readonly List<SpecOperation> _operations = [];

    public static OpenApiContract Instance => Shared.Value;

    public static string Root => Path.Combine(AppContext.BaseDirectory, "HubSpot", "Emulator", "OpenApi");

    public IReadOnlyList<SpecOperation> Operations => _operations;

    public static OpenApiContract Load()
    {
        var contract = new OpenApiContract();
        foreach (var file in Directory.EnumerateFiles(Root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var settings = new OpenApiReaderSettings();
            var result = OpenApiDocument.Parse(File.ReadAllText(file), "json", settings);
            var document = result.Document ?? throw new InvalidOperationException($"Could not read {file}: {string.Join("; ", result.Diagnostic?.Errors.Select(e => e.Message) ?? [])}");
            foreach (var (template, item) in document.Paths)
            {
                foreach (var (method, operation) in item.Operations ?? [])
                {
                    contract._operations.Add(new SpecOperation(Path.GetRelativePath(Root, file), method.Method.ToUpperInvariant(), template, operation));
                }
            }
        }

        return contract;
    }

    /// <summary>Finds the operation for a request: the matching template with the fewest parameters.</summary>
    public SpecOperation? Find(string method, string path)
        => _operations.Where(o => o.Method == method && o.Matches(path)).OrderBy(o => o.ParameterCount).ThenBy(o => o.File, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>Validates a recorded exchange: its status is declared, its response body and (when accepted) its request body match the schemas.</summary>
    public List<string> Validate(EmulatorExchange exchange)
    {
        var errors = new List<string>();
        var request = exchange.Request;
        var response = exchange.Response;
        var label = $"{request.Method} {request.Path} -> {response.StatusCode}";
        var operation = Find(request.Method, request.Path);
        if (operation is null)
        {
            errors.Add($"{label}: no operation in the specs");
            return errors;
        }

        var status = response.StatusCode.ToString(CultureInfo.InvariantCulture);
        var responses = operation.Operation.Responses;
        IOpenApiResponse? declared = null;
        var isDefault = false;
        if (responses is not null && responses.TryGetValue(status, out var exact))
        {
            declared = exact;
        }
        else if (responses is not null && responses.TryGetValue("default", out var fallback))
        {
            declared = fallback;
            isDefault = true;
            var onlyDefault = responses.Count == 1;
            if (response.StatusCode < 400 && !onlyDefault)
            {
                errors.Add($"{label}: status {status} is not declared by {operation}");
                return errors;
            }
        }
        else
        {
            errors.Add($"{label}: status {status} is not declared by {operation}");
            return errors;
        }

        var responseSchema = declared?.Content?.Values.FirstOrDefault()?.Schema;
        if (response.Body.Length > 0 && !(isDefault && response.StatusCode < 400))
        {
            if (responseSchema is null)
            {
                errors.Add($"{label}: a body was sent but {operation} declares none for {status}");
            }
            else
            {
                Validate(responseSchema, JsonNode.Parse(response.Body), "$", errors, label + " response");
            }
        }
        else if (response.Body.Length == 0 && responseSchema is not null && response.StatusCode != 204)
        {
            errors.Add($"{label}: an empty body where {operation} declares one");
        }

        if (response.StatusCode < 300 && operation.Operation.RequestBody?.Content is { } content && request.Body.Length > 0)
        {
            var (mediaType, media) = content.First();
            JsonNode? body = mediaType.Contains("x-www-form-urlencoded", StringComparison.Ordinal)
                ? FormToJson(request.BodyText)
                : JsonNode.Parse(request.Body);
            if (media.Schema is { } requestSchema)
            {
                Validate(requestSchema, body, "$", errors, label + " request");
            }
        }

        return errors;
    }

    public static void Validate(IOpenApiSchema schema, JsonNode? node, string path, List<string> errors, string label)
    {
        foreach (var part in schema.AllOf ?? [])
        {
            Validate(part, node, path, errors, label);
        }

        if (schema.AnyOf is { Count: > 0 } anyOf && !anyOf.Any(s => Passes(s, node)))
        {
            errors.Add($"{label} {path}: matches none of anyOf");
        }

        if (schema.OneOf is { Count: > 0 } oneOf)
        {
            var count = oneOf.Count(s => Passes(s, node));
            if (count != 1)
            {
                errors.Add($"{label} {path}: matches {count} of oneOf (exactly one required)");
            }
        }

        var type = schema.Type;
        if (type is null && schema.Properties is { Count: > 0 })
        {
            type = JsonSchemaType.Object;
        }

        if (node is null)
        {
            if (type is { } t && !t.HasFlag(JsonSchemaType.Null))
            {
                errors.Add($"{label} {path}: null where {t} is specified");
            }

            return;
        }

        if (schema.Enum is { Count: > 0 } options && !options.Any(o => JsonNode.DeepEquals(o, node)))
        {
            errors.Add($"{label} {path}: {node.ToJsonString()} is not one of [{string.Join(", ", options.Select(o => o?.ToJsonString()))}]");
        }

        if (type is not { } expected)
        {
            return;
        }

        var kind = node.GetValueKind();
        var ok = kind switch
        {
            JsonValueKind.String => expected.HasFlag(JsonSchemaType.String),
            JsonValueKind.Number => expected.HasFlag(JsonSchemaType.Number)
                || (expected.HasFlag(JsonSchemaType.Integer) && node.AsValue().TryGetValue<long>(out _)),
            JsonValueKind.True or JsonValueKind.False => expected.HasFlag(JsonSchemaType.Boolean),
            JsonValueKind.Object => expected.HasFlag(JsonSchemaType.Object),
            JsonValueKind.Array => expected.HasFlag(JsonSchemaType.Array),
            _ => false,
        };
        if (!ok)
        {
            errors.Add($"{label} {path}: {kind} where {expected} is specified");
            return;
        }

        switch (kind)
        {
            case JsonValueKind.String:
                var text = node.GetValue<string>();
                if (schema.Format == "date-time" && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
                {
                    errors.Add($"{label} {path}: '{text}' is not a date-time");
                }

                if (schema.Format == "uuid" && !Guid.TryParse(text, out _))
                {
                    errors.Add($"{label} {path}: '{text}' is not a uuid");
                }

                break;
            case JsonValueKind.Object:
                var obj = node.AsObject();
                foreach (var required in schema.Required ?? new HashSet<string>())
                {
                    if (obj[required] is null)
                    {
                        errors.Add($"{label} {path}: required '{required}' is missing or null");
                    }
                }

                foreach (var (name, value) in obj)
                {
                    var childPath = $"{path}.{name}";
                    if (schema.Properties is not null && schema.Properties.TryGetValue(name, out var propertySchema))
                    {
                        if (value is not null || (schema.Required?.Contains(name) ?? false))
                        {
                            Validate(propertySchema, value, childPath, errors, label);
                        }
                    }
                    else if (schema.AdditionalProperties is { } additional)
                    {
                        if (value is not null)
                        {
                            Validate(additional, value, childPath, errors, label);
                        }
                    }
                    else if (!schema.AdditionalPropertiesAllowed)
                    {
                        errors.Add($"{label} {childPath}: property not allowed");
                    }
                }

                break;
            case JsonValueKind.Array:
                if (schema.Items is { } items)
                {
                    var array = node.AsArray();
                    for (var i = 0; i < array.Count; i++)
                    {
                        Validate(items, array[i], $"{path}[{i}]", errors, label);
                    }
                }

                break;
        }
    }

    private static bool Passes(IOpenApiSchema schema, JsonNode? node)
    {
        var errors = new List<string>();
        Validate(schema, node, "$", errors, string.Empty);
        return errors.Count == 0;
    }

    private static JsonObject FormToJson(string form)
    {
        var parsed = HttpUtility.ParseQueryString(form);
        var json = new JsonObject();
        foreach (var key in parsed.AllKeys)
        {
            if (key is not null)
            {
                json[key] = parsed[key];
            }
        }

        return json;
    }

    /// <summary>One operation of one spec file.</summary>
    internal sealed class SpecOperation
    {
        private readonly Regex _pattern;

        public SpecOperation(string file, string method, string template, OpenApiOperation operation)
        {
            File = file;
            Method = method;
            Template = template;
            Operation = operation;
            ParameterCount = template.Count(c => c == '{');
            _pattern = new Regex("^" + Regex.Replace(Regex.Escape(template), @"\\\{[^/]+?\}", "[^/]+") + "$", RegexOptions.CultureInvariant);
        }

        public string File { get; }

        public string Method { get; }

        public string Template { get; }

        public OpenApiOperation Operation { get; }

        public int ParameterCount { get; }

        public bool Matches(string path) => _pattern.IsMatch(path);

        public override string ToString() => $"{Method} {Template} ({File})";
    }
}
