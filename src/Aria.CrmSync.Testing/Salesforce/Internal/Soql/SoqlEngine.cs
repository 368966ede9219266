using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Aria.CrmSync.Testing.Salesforce.Soql;

/// <summary>The rows of a query, before paging.</summary>
internal sealed record SoqlResult(int TotalSize, List<JsonObject> Records);

/// <summary>Resolves a parsed query against the schema and evaluates it over the store.</summary>
internal sealed class SoqlEngine
{
    private const string InvalidFieldHint = "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.";
    private const string InvalidRelationshipHint = "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.";

    private readonly SfStore _store;
    private readonly SfSchema _schema;
    private readonly string _version;
    private readonly DateTimeOffset _now;

    public SoqlEngine(SfStore store, string version)
    {
        _store = store;
        _schema = store.Schema;
        _version = version;
        _now = store.Now;
    }

    /// <summary>Parses, checks and runs a query.</summary>
    /// <exception cref="SoqlException">The query is malformed or names unknown objects or fields.</exception>
    public SoqlResult Execute(string text, bool includeDeleted)
    {
        var query = SoqlParser.Parse(text);
        var root = ResolveObject(query.From, query.FromPosition);
        return Run(query, root, includeDeleted);
    }

    private static bool IsFilterable(SfField field)
        => field.Type is not (SfFieldType.Base64 or SfFieldType.Address) && !(field.Type == SfFieldType.TextArea && field.Length > 255);

    private static object? ReadField(SfRecord record, SfObject view, string name)
    {
        var field = view.Field(name);
        if (field is null)
        {
            return null;
        }

        return field.Compute is { } compute ? compute(record) : record.Get(field.Name);
    }

    private static SoqlException InvalidFilter(SfField field, SoqlLiteral literal, bool quoted)
        => new("INVALID_QUERY_FILTER_OPERATOR", $"value of filter criterion for field '{field.Name}' must be of type {field.SoqlTypeName} and should {(quoted ? string.Empty : "not ")}be enclosed in quotes", literal.Position);

    private SfObject ResolveObject(string name, int position)
    {
        var obj = _schema.Find(name);
        if (obj is null || !obj.Queryable)
        {
            throw new SoqlException("INVALID_TYPE", $"sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", position);
        }

        return obj;
    }

    private SoqlResult Run(SoqlQuery query, SfObject root, bool includeDeleted)
    {
        CheckContentDocumentLinkFilter(query, root);
        var where = query.Where is null ? null : Compile(query.Where, root, query.Alias);
        var rows = _store.All(root.StorageName).Where(r => includeDeleted || !r.IsDeleted);
        if (where is not null)
        {
            rows = rows.Where(where);
        }

        var isAggregate = query.GroupBy.Count > 0 || query.Select.Any(s => s is SoqlAggregateItem);
        if (query.Select.Any(s => s is SoqlCountAllItem))
        {
            if (query.Select.Count > 1 || isAggregate)
            {
                throw new SoqlException("MALFORMED_QUERY", "COUNT() and other fields or aggregates cannot be selected together", query.Select[0].Position);
            }

            if (query.OrderBy.Count > 0)
            {
                throw new SoqlException("MALFORMED_QUERY", "ORDER BY is not allowed with COUNT()", query.OrderBy[0].Path.Position);
            }

            var count = rows.Skip(query.Offset ?? 0).Take(query.Limit ?? int.MaxValue).Count();
            return new SoqlResult(count, []);
        }

        if (isAggregate)
        {
            return Aggregate(query, root, rows.ToList());
        }

        var select = ResolveSelect(query, root);
        var ordered = Order(rows, query.OrderBy, root, query.Alias);
        var page = ordered.Skip(query.Offset ?? 0).Take(query.Limit ?? int.MaxValue).ToList();
        var records = page.Select(r => Project(r, root, select)).ToList();
        return new SoqlResult(records.Count, records);
    }

    private void CheckContentDocumentLinkFilter(SoqlQuery query, SfObject root)
    {
        if (root.Name != "ContentDocumentLink")
        {
            return;
        }

        IEnumerable<SoqlCondition> conjuncts = query.Where switch
        {
            null => [],
            SoqlAnd and => and.Parts,
            _ => [query.Where],
        };
        var filtered = conjuncts.Any(c => c switch
        {
            SoqlComparison cmp => cmp.Operator == "=" && IsLinkKey(cmp.Path, query.Alias),
            SoqlIn inn => !inn.Negated && inn.Operator == "IN" && IsLinkKey(inn.Path, query.Alias),
            _ => false,
        });
        if (!filtered)
        {
            throw new SoqlException("MALFORMED_QUERY", "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.", query.FromPosition);
        }
    }

    private static bool IsLinkKey(SoqlPath path, string? alias)
    {
        var segments = path.Segments.Count == 2 && alias is not null && path.Segments[0].Equals(alias, StringComparison.OrdinalIgnoreCase) ? path.Segments.Skip(1).ToList() : path.Segments;
        return segments.Count == 1 && segments[0] is var name && (name.Equals("Id", StringComparison.OrdinalIgnoreCase) || name.Equals("LinkedEntityId", StringComparison.OrdinalIgnoreCase) || name.Equals("ContentDocumentId", StringComparison.OrdinalIgnoreCase));
    }

    // ---- paths -----------------------------------------------------------------------------------------------------

    private ResolvedPath Resolve(SfObject root, SoqlPath path, string? alias)
    {
        var segments = path.Segments.ToList();
        if (segments.Count > 1 && ((alias is not null && segments[0].Equals(alias, StringComparison.OrdinalIgnoreCase))
            || (segments[0].Equals(root.Name, StringComparison.OrdinalIgnoreCase) && root.Relationship(segments[0]) is null)))
        {
            segments.RemoveAt(0);
        }

        var relationships = new List<SfField>();
        List<SfObject> current = [root];
        for (var i = 0; i < segments.Count - 1; i++)
        {
            var rel = current.Select(o => o.Relationship(segments[i])).FirstOrDefault(f => f is not null);
            if (rel is null)
            {
                throw new SoqlException("INVALID_FIELD", $"Didn't understand relationship '{segments[i]}' in field path. {InvalidRelationshipHint}", path.Position);
            }

            relationships.Add(rel);
            current = rel.ReferenceTo.Select(_schema.Find).Where(o => o is not null).Select(o => o!).ToList();
            if (current.Count == 0)
            {
                throw new SoqlException("INVALID_FIELD", $"Didn't understand relationship '{segments[i]}' in field path. {InvalidRelationshipHint}", path.Position);
            }
        }

        var last = segments[^1];
        if (relationships.Count > 0 && relationships[^1].IsPolymorphic && last.Equals("Type", StringComparison.OrdinalIgnoreCase))
        {
            var typeField = new SfField { Name = "Type", Label = "Object Type", Type = SfFieldType.Picklist, Length = 255 };
            return new ResolvedPath(relationships, typeField, true);
        }

        var field = current.Select(o => o.Field(last)).FirstOrDefault(f => f is not null);
        if (field is null)
        {
            throw new SoqlException("INVALID_FIELD", $"No such column '{last}' on entity '{current[0].Name}'. {InvalidFieldHint}", path.Position);
        }

        return new ResolvedPath(relationships, field, false);
    }

    private SfObject ViewFor(SfField relationship, SfRecord target)
        => relationship.ReferenceTo.Count == 1 && _schema.Find(relationship.ReferenceTo[0]) is { } single ? single : _schema.Find(target.Type)!;

    private object? Evaluate(SfRecord record, SfObject view, ResolvedPath path)
    {
        var current = record;
        var currentView = view;
        foreach (var rel in path.Relationships)
        {
            if (ReadField(current, currentView, rel.Name) is not string id || _store.Find(id) is not { } target)
            {
                return null;
            }

            currentView = ViewFor(rel, target);
            current = target;
        }

        return path.IsPolymorphicType ? currentView.Name : ReadField(current, currentView, path.Field.Name);
    }

    // ---- conditions ------------------------------------------------------------------------------------------------

    private Func<SfRecord, bool> Compile(SoqlCondition condition, SfObject root, string? alias)
    {
        switch (condition)
        {
            case SoqlAnd and:
                var allParts = and.Parts.Select(p => Compile(p, root, alias)).ToList();
                return r => allParts.All(p => p(r));
            case SoqlOr or:
                var anyParts = or.Parts.Select(p => Compile(p, root, alias)).ToList();
                return r => anyParts.Any(p => p(r));
            case SoqlNot not:
                var inner = Compile(not.Inner, root, alias);
                return r => !inner(r);
            case SoqlComparison cmp:
                {
                    var path = ResolveFilterable(root, cmp.Path, alias);
                    if (cmp.Operator is "<" or ">" or "<=" or ">=" && path.Field.Type == SfFieldType.Boolean)
                    {
                        throw new SoqlException("INVALID_QUERY_FILTER_OPERATOR", $"invalid operator on boolean field: {path.Field.Name}", cmp.Value.Position);
                    }

                    var operand = Operand(path.Field, cmp.Value);
                    return r => Matches(Evaluate(r, root, path), operand, cmp.Operator, path.Field);
                }

            case SoqlLike like:
                {
                    var path = ResolveFilterable(root, like.Path, alias);
                    if (!path.Field.IsText || path.Field.IsIdLike)
                    {
                        throw new SoqlException("INVALID_QUERY_FILTER_OPERATOR", $"invalid operator on {path.Field.SoqlTypeName} field: {path.Field.Name}", like.Pattern.Position);
                    }

                    if (like.Pattern is SoqlNull)
                    {
                        return _ => false;
                    }

                    if (like.Pattern is not SoqlString pattern)
                    {
                        throw InvalidFilter(path.Field, like.Pattern, quoted: true);
                    }

                    var regex = new Regex(pattern.LikePattern, RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant);
                    return r => Evaluate(r, root, path) is string s && regex.IsMatch(s);
                }

            case SoqlIn inn:
                {
                    var path = ResolveFilterable(root, inn.Path, alias);
                    if (inn.Subquery is { } sub)
                    {
                        if (!path.Field.IsIdLike)
                        {
                            throw new SoqlException("INVALID_FIELD", $"The left operand field in the where expression for outer query should be an id field, cannot use: '{path.Field.Name}'", inn.Path.Position);
                        }

                        var ids = SemiJoin(sub);
                        return r => Evaluate(r, root, path) is string id && SfIds.Normalize(id) is { } n ? ids.Contains(n) != inn.Negated : inn.Negated;
                    }

                    var operands = inn.Values.Select(v => Operand(path.Field, v)).ToList();
                    if (inn.Operator is "INCLUDES" or "EXCLUDES")
                    {
                        if (path.Field.Type != SfFieldType.MultiPicklist)
                        {
                            throw new SoqlException("INVALID_QUERY_FILTER_OPERATOR", $"includes or excludes operator only valid on multipicklist field: {path.Field.Name}", inn.Path.Position);
                        }

                        return r =>
                        {
                            var selected = (Evaluate(r, root, path) as string ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                            var any = operands.Any(o => o.Value is string s && s.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(v => selected.Contains(v, StringComparer.OrdinalIgnoreCase)));
                            return inn.Operator == "INCLUDES" ? any : !any;
                        };
                    }

                    return r =>
                    {
                        var value = Evaluate(r, root, path);
                        var found = operands.Any(o => Matches(value, o, "=", path.Field));
                        return found != inn.Negated;
                    };
                }

            default:
                throw new SoqlException("MALFORMED_QUERY", "unsupported condition");
        }
    }

    private ResolvedPath ResolveFilterable(SfObject root, SoqlPath path, string? alias)
    {
        var resolved = Resolve(root, path, alias);
        if (!IsFilterable(resolved.Field))
        {
            throw new SoqlException("INVALID_FIELD", $"field '{resolved.Field.Name}' can not be filtered in a query call", path.Position);
        }

        return resolved;
    }

    private HashSet<string> SemiJoin(SoqlQuery sub)
    {
        var obj = ResolveObject(sub.From, sub.FromPosition);
        if (sub.Select.Count != 1 || sub.Select[0] is not SoqlFieldItem item)
        {
            throw new SoqlException("MALFORMED_QUERY", "semi join sub-selects can only select a single id field", sub.Select[0].Position);
        }

        var path = Resolve(obj, item.Path, sub.Alias);
        if (!path.Field.IsIdLike)
        {
            throw new SoqlException("INVALID_FIELD", $"The selected field '{path.Field.Name}' in the subquery and the left operand field in the where expression in the outer query must point to the same object type", item.Position);
        }

        CheckContentDocumentLinkFilter(sub, obj);
        var where = sub.Where is null ? null : Compile(sub.Where, obj, sub.Alias);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in _store.All(obj.StorageName).Where(r => !r.IsDeleted && (where is null || where(r))))
        {
            if (Evaluate(record, obj, path) is string id && SfIds.Normalize(id) is { } n)
            {
                ids.Add(n);
            }
        }

        return ids;
    }

    private FilterOperand Operand(SfField field, SoqlLiteral literal)
    {
        if (literal is SoqlNull)
        {
            return new FilterOperand(null, null, null, IsNull: true);
        }

        switch (field.Type)
        {
            case SfFieldType.Id:
            case SfFieldType.Reference:
                if (literal is not SoqlString idText)
                {
                    throw InvalidFilter(field, literal, quoted: true);
                }

                if (idText.Value.Length == 0)
                {
                    return new FilterOperand(null, null, null, IsNull: true);
                }

                var normalized = SfIds.Normalize(idText.Value) ?? throw new SoqlException("INVALID_QUERY_FILTER_OPERATOR", $"invalid ID field: {idText.Value}", literal.Position);
                return new FilterOperand(normalized, null, null, false);
            case SfFieldType.Boolean:
                return literal is SoqlBoolean b ? new FilterOperand(b.Value, null, null, false) : throw InvalidFilter(field, literal, quoted: false);
            case SfFieldType.Currency:
            case SfFieldType.Double:
            case SfFieldType.Percent:
            case SfFieldType.Int:
                return literal is SoqlNumber n ? new FilterOperand(n.Value, null, null, false) : throw InvalidFilter(field, literal, quoted: false);
            case SfFieldType.Date:
                return literal switch
                {
                    SoqlDate d => new FilterOperand(d.Value, null, null, false),
                    SoqlDateRange range => RangeOperand(range),
                    _ => throw InvalidFilter(field, literal, quoted: false),
                };
            case SfFieldType.DateTime:
                return literal switch
                {
                    SoqlDateTime dt => new FilterOperand(dt.Value, null, null, false),
                    SoqlDateRange range => RangeOperand(range),
                    _ => throw InvalidFilter(field, literal, quoted: false),
                };
            default:
                return literal is SoqlString s ? new FilterOperand(s.Value, null, null, false) : throw InvalidFilter(field, literal, quoted: true);
        }
    }

    private FilterOperand RangeOperand(SoqlDateRange range)
    {
        var (start, end) = SoqlDates.Range(range.Name, range.N, _now);
        return new FilterOperand(null, start, end, false);
    }

    private static bool Matches(object? value, FilterOperand operand, string op, SfField field)
    {
        if (operand.IsNull)
        {
            return op switch
            {
                "=" => value is null,
                "!=" => value is not null,
                _ => false,
            };
        }

        if (value is null)
        {
            return op == "!=";
        }

        if (operand.Start is { } start && operand.End is { } end)
        {
            var t = value switch
            {
                DateTimeOffset dto => dto,
                DateOnly d => new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
                _ => DateTimeOffset.MinValue,
            };
            return op switch
            {
                "=" => t >= start && t < end,
                "!=" => !(t >= start && t < end),
                "<" => t < start,
                "<=" => t < end,
                ">" => t >= end,
                ">=" => t >= start,
                _ => false,
            };
        }

        var cmp = SfValues.Compare(field, value, operand.Value!);
        return op switch
        {
            "=" => cmp == 0,
            "!=" => cmp != 0,
            "<" => cmp < 0,
            "<=" => cmp <= 0,
            ">" => cmp > 0,
            ">=" => cmp >= 0,
            _ => false,
        };
    }

    // ---- ordering and projection -----------------------------------------------------------------------------------

    private IEnumerable<SfRecord> Order(IEnumerable<SfRecord> rows, IReadOnlyList<SoqlOrderItem> orderBy, SfObject root, string? alias)
    {
        if (orderBy.Count == 0)
        {
            return rows;
        }

        var keys = orderBy.Select(o =>
        {
            var path = Resolve(root, o.Path, alias);
            if (!IsFilterable(path.Field) || path.Field.Type == SfFieldType.MultiPicklist)
            {
                throw new SoqlException("INVALID_FIELD", $"field '{path.Field.Name}' can not be sorted in a query call", o.Path.Position);
            }

            return (Path: path, Item: o);
        }).ToList();
        var list = rows.ToList();
        var comparer = Comparer<SfRecord>.Create((a, b) =>
        {
            foreach (var (path, item) in keys)
            {
                var va = Evaluate(a, root, path);
                var vb = Evaluate(b, root, path);
                int c;
                if (va is null || vb is null)
                {
                    c = va is null && vb is null ? 0 : (va is null ? (item.NullsFirst ? -1 : 1) : (item.NullsFirst ? 1 : -1));
                    if (c != 0)
                    {
                        return c;
                    }

                    continue;
                }

                c = SfValues.Compare(path.Field, va, vb);
                if (c != 0)
                {
                    return item.Descending ? -c : c;
                }
            }

            return a.Sequence.CompareTo(b.Sequence);
        });
        list.Sort(comparer);
        return list;
    }

    private List<SelectEntry> ResolveSelect(SoqlQuery query, SfObject root)
    {
        var entries = new List<SelectEntry>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in query.Select)
        {
            switch (item)
            {
                case SoqlFieldItem field:
                    var path = Resolve(root, field.Path, query.Alias);
                    if (!seen.Add(path.Key))
                    {
                        throw new SoqlException("MALFORMED_QUERY", $"duplicate field selected: {field.Path.Text}", field.Position);
                    }

                    entries.Add(new SelectEntry(path, null));
                    break;
                case SoqlFieldsItem fields:
                    if (fields.Kind != "STANDARD" && (query.Limit is null || query.Limit > 200))
                    {
                        throw new SoqlException("MALFORMED_QUERY", $"The SOQL FIELDS function must have a LIMIT of at most 200", fields.Position);
                    }

                    foreach (var f in root.Fields.Where(f => fields.Kind == "ALL" || (fields.Kind == "CUSTOM") == f.Custom))
                    {
                        var expanded = new ResolvedPath([], f, false);
                        if (seen.Add(expanded.Key))
                        {
                            entries.Add(new SelectEntry(expanded, null));
                        }
                    }

                    break;
                case SoqlSubqueryItem sub:
                    var relationship = root.ChildRelationships.FirstOrDefault(c => c.RelationshipName.Equals(sub.Query.From, StringComparison.OrdinalIgnoreCase))
                        ?? throw new SoqlException("INVALID_TYPE", $"Didn't understand relationship '{sub.Query.From}' in FROM part of query call. {InvalidRelationshipHint}", sub.Query.FromPosition);
                    var child = _schema.Find(relationship.ChildObject)!;
                    if (sub.Query.Select.Any(s => s is SoqlSubqueryItem or SoqlCountAllItem or SoqlAggregateItem))
                    {
                        throw new SoqlException("MALFORMED_QUERY", "Nested queries only support plain field selection in this emulator", sub.Position);
                    }

                    entries.Add(new SelectEntry(null, new ChildSelect(relationship, child, sub.Query, ResolveSelect(sub.Query, child), sub.Query.Where is null ? null : Compile(sub.Query.Where, child, sub.Query.Alias))));
                    break;
                default:
                    throw new SoqlException("MALFORMED_QUERY", "unexpected aggregate", item.Position);
            }
        }

        return entries;
    }

    private JsonObject Project(SfRecord record, SfObject view, List<SelectEntry> select)
    {
        var node = new JsonObject { ["attributes"] = Attributes(view, record.Id) };
        foreach (var entry in select)
        {
            if (entry.Path is { } path)
            {
                Place(node, record, view, path, 0);
            }
            else if (entry.Child is { } child)
            {
                var rows = _store.All(child.Child.StorageName)
                    .Where(r => !r.IsDeleted && r.Get(child.Relationship.Field) is string parent && parent == record.Id && (child.Where is null || child.Where(r)));
                var ordered = Order(rows, child.Query.OrderBy, child.Child, child.Query.Alias).Skip(child.Query.Offset ?? 0).Take(child.Query.Limit ?? int.MaxValue).ToList();
                node[child.Relationship.RelationshipName] = ordered.Count == 0
                    ? null
                    : new JsonObject
                    {
                        ["totalSize"] = ordered.Count,
                        ["done"] = true,
                        ["records"] = new JsonArray([.. ordered.Select(r => (JsonNode)Project(r, child.Child, child.Select))]),
                    };
            }
        }

        return node;
    }

    private void Place(JsonObject node, SfRecord record, SfObject view, ResolvedPath path, int index)
    {
        if (index == path.Relationships.Count)
        {
            var name = path.IsPolymorphicType ? "Type" : path.Field.Name;
            if (path.IsPolymorphicType)
            {
                node[name] = view.Name;
            }
            else if (path.Field.Type == SfFieldType.Base64)
            {
                node[name] = ReadField(record, view, name) is null ? null : $"/services/data/v{_version}/sobjects/{view.Name}/{record.Id}/{name}";
            }
            else
            {
                node[name] = SfValues.ToJson(path.Field, ReadField(record, view, name));
            }

            return;
        }

        var rel = path.Relationships[index];
        var key = rel.RelationshipName!;
        SfRecord? target = ReadField(record, view, rel.Name) is string id ? _store.Find(id) : null;
        if (target is null)
        {
            node[key] = null;
            return;
        }

        var targetView = ViewFor(rel, target);
        if (node[key] is not JsonObject child)
        {
            if (node.ContainsKey(key) && node[key] is null)
            {
                return;
            }

            child = new JsonObject { ["attributes"] = Attributes(targetView, target.Id) };
            node[key] = child;
        }

        Place(child, target, targetView, path, index + 1);
    }

    private JsonObject Attributes(SfObject view, string id)
        => new() { ["type"] = view.Name, ["url"] = $"/services/data/v{_version}/sobjects/{view.Name}/{id}" };

    // ---- aggregates ------------------------------------------------------------------------------------------------

    private SoqlResult Aggregate(SoqlQuery query, SfObject root, List<SfRecord> rows)
    {
        var groups = query.GroupBy.Select(g => (Path: g, Resolved: Resolve(root, g, query.Alias))).ToList();
        var columns = new List<(string Name, Func<List<SfRecord>, JsonNode?> Compute)>();
        var exprIndex = 0;
        foreach (var item in query.Select)
        {
            switch (item)
            {
                case SoqlFieldItem field:
                    var resolved = Resolve(root, field.Path, query.Alias);
                    if (!groups.Any(g => g.Resolved.Key.Equals(resolved.Key, StringComparison.OrdinalIgnoreCase)))
                    {
                        throw new SoqlException("MALFORMED_QUERY", $"Field must be grouped or aggregated: {resolved.Field.Name}", field.Position);
                    }

                    columns.Add((field.Alias ?? resolved.Field.Name, g => SfValues.ToJson(resolved.Field, Evaluate(g[0], root, resolved))));
                    break;
                case SoqlAggregateItem agg:
                    var name = agg.Alias ?? $"expr{exprIndex++}";
                    var path = Resolve(root, agg.Path!, query.Alias);
                    columns.Add((name, g => AggregateValue(agg.Function, path, g, root)));
                    break;
                default:
                    throw new SoqlException("MALFORMED_QUERY", "unsupported item in an aggregate query", item.Position);
            }
        }

        var grouped = groups.Count == 0
            ? [rows]
            : rows.GroupBy(r => string.Join('\u0001', groups.Select(g => GroupKey(Evaluate(r, root, g.Resolved)))), StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        if (groups.Count == 0 && rows.Count == 0)
        {
            grouped = [[]];
        }

        var results = grouped.Select(g =>
        {
            var node = new JsonObject { ["attributes"] = new JsonObject { ["type"] = "AggregateResult" } };
            foreach (var (name, compute) in columns)
            {
                node[name] = g.Count == 0 && groups.Count > 0 ? null : compute(g);
            }

            return node;
        }).ToList();

        if (query.OrderBy.Count > 0)
        {
            var orderKeys = query.OrderBy.Select(o =>
            {
                var column = columns.FindIndex(c => c.Name.Equals(o.Path.Text, StringComparison.OrdinalIgnoreCase)
                    || (o.Path.Segments.Count > 0 && c.Name.Equals(o.Path.Segments[^1], StringComparison.OrdinalIgnoreCase)));
                if (column < 0)
                {
                    throw new SoqlException("MALFORMED_QUERY", $"Ordered field must be grouped or aggregated: {o.Path.Text}", o.Path.Position);
                }

                return (Name: columns[column].Name, Item: o);
            }).ToList();
            results.Sort((a, b) =>
            {
                foreach (var (name, item) in orderKeys)
                {
                    var va = a[name];
                    var vb = b[name];
                    if (va is null || vb is null)
                    {
                        if (va is null && vb is null)
                        {
                            continue;
                        }

                        return va is null ? (item.NullsFirst ? -1 : 1) : (item.NullsFirst ? 1 : -1);
                    }

                    var c = CompareJson(va, vb);
                    if (c != 0)
                    {
                        return item.Descending ? -c : c;
                    }
                }

                return 0;
            });
        }

        var page = results.Skip(query.Offset ?? 0).Take(query.Limit ?? int.MaxValue).ToList();
        return new SoqlResult(page.Count, page);
    }

    private static int CompareJson(JsonNode a, JsonNode b)
    {
        if (a is JsonValue va && b is JsonValue vb && va.TryGetValue<decimal>(out var da) && vb.TryGetValue<decimal>(out var db))
        {
            return da.CompareTo(db);
        }

        return string.Compare(a.ToString(), b.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    private static string GroupKey(object? value)
        => value switch
        {
            null => "\u0000",
            string s => s.ToUpperInvariant(),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
        };

    private JsonNode? AggregateValue(string function, ResolvedPath path, List<SfRecord> rows, SfObject root)
    {
        var values = rows.Select(r => Evaluate(r, root, path)).Where(v => v is not null).Select(v => v!).ToList();
        switch (function)
        {
            case "COUNT":
                return values.Count;
            case "COUNT_DISTINCT":
                return values.Select(GroupKey).Distinct(StringComparer.Ordinal).Count();
            case "SUM":
            case "AVG":
                if (!path.Field.IsNumber)
                {
                    throw new SoqlException("MALFORMED_QUERY", $"field {path.Field.Name} does not support aggregate operator {function}");
                }

                if (values.Count == 0)
                {
                    return null;
                }

                var numbers = values.Cast<decimal>().ToList();
                return JsonValue.Create(SfValues.Normalize(function == "SUM" ? numbers.Sum() : numbers.Average()));
            default:
                if (values.Count == 0)
                {
                    return null;
                }

                var sorted = values.ToList();
                sorted.Sort((a, b) => SfValues.Compare(path.Field, a, b));
                return SfValues.ToJson(path.Field, function == "MIN" ? sorted[0] : sorted[^1]);
        }
    }

    private sealed record FilterOperand(object? Value, DateTimeOffset? Start, DateTimeOffset? End, bool IsNull);

    private sealed record ChildSelect(SfChildRelationship Relationship, SfObject Child, SoqlQuery Query, List<SelectEntry> Select, Func<SfRecord, bool>? Where);

    private sealed record SelectEntry(ResolvedPath? Path, ChildSelect? Child);

    private sealed record ResolvedPath(IReadOnlyList<SfField> Relationships, SfField Field, bool IsPolymorphicType)
    {
        public string Key => string.Join('.', Relationships.Select(r => r.RelationshipName).Append(Field.Name));
    }
}
