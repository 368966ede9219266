namespace Aria.CrmSync.Testing.Salesforce.Soql;

/// <summary>A recursive-descent SOQL parser (the subset the emulator evaluates).</summary>
internal sealed class SoqlParser
{
    private static readonly string[] Aggregates = ["COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"];
    private static readonly string[] Reserved =
    [
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "GROUP", "HAVING", "LIMIT", "OFFSET",
        "NULL", "TRUE", "FALSE", "WITH", "FOR", "USING", "INCLUDES", "EXCLUDES", "ASC", "DESC", "NULLS", "TYPEOF", "ALL",
    ];

    private readonly List<SoqlToken> _tokens;
    private int _index;

    private SoqlParser(string text)
    {
        _tokens = SoqlLexer.Tokenize(text);
    }

    private SoqlToken Current => _tokens[_index];

    public static SoqlQuery Parse(string text)
    {
        var parser = new SoqlParser(text);
        var query = parser.ParseQuery(nested: false);
        parser.Expect(SoqlTokenKind.End);
        return query;
    }

    private static SoqlException Unexpected(SoqlToken token)
        => new("MALFORMED_QUERY", $"unexpected token: {(token.Kind == SoqlTokenKind.End ? "<EOF>" : "'" + token.Text + "'")}", token.Position);

    private SoqlToken Next() => _tokens[_index++];

    private bool Accept(string keyword)
    {
        if (Current.Is(keyword))
        {
            _index++;
            return true;
        }

        return false;
    }

    private bool Accept(SoqlTokenKind kind)
    {
        if (Current.Kind == kind)
        {
            _index++;
            return true;
        }

        return false;
    }

    private SoqlToken Expect(SoqlTokenKind kind)
    {
        if (Current.Kind != kind)
        {
            throw Unexpected(Current);
        }

        return Next();
    }

    private void ExpectKeyword(string keyword)
    {
        if (!Accept(keyword))
        {
            throw Unexpected(Current);
        }
    }

    private SoqlQuery ParseQuery(bool nested)
    {
        ExpectKeyword("SELECT");
        var select = new List<SoqlSelectItem>();
        do
        {
            select.Add(ParseSelectItem(nested));
        }
        while (Accept(SoqlTokenKind.Comma));

        ExpectKeyword("FROM");
        var fromToken = Current;
        var from = ParseName();
        string? alias = null;
        if (Current.Kind == SoqlTokenKind.Identifier && !IsReserved(Current))
        {
            alias = Next().Text;
        }

        if (Accept("USING"))
        {
            ExpectKeyword("SCOPE");
            Expect(SoqlTokenKind.Identifier);
        }

        SoqlCondition? where = null;
        if (Accept("WHERE"))
        {
            where = ParseCondition();
        }

        if (Accept("WITH"))
        {
            // WITH SECURITY_ENFORCED / USER_MODE / SYSTEM_MODE: accepted, no effect here.
            Expect(SoqlTokenKind.Identifier);
        }

        var groupBy = new List<SoqlPath>();
        if (Accept("GROUP"))
        {
            ExpectKeyword("BY");
            do
            {
                groupBy.Add(ParsePath());
            }
            while (Accept(SoqlTokenKind.Comma));
        }

        if (Current.Is("HAVING"))
        {
            throw new SoqlException("MALFORMED_QUERY", "HAVING is not supported by this emulator", Current.Position);
        }

        var orderBy = new List<SoqlOrderItem>();
        if (Accept("ORDER"))
        {
            ExpectKeyword("BY");
            do
            {
                var path = ParsePath();
                var descending = false;
                if (Accept("DESC"))
                {
                    descending = true;
                }
                else
                {
                    Accept("ASC");
                }

                var nullsFirst = !descending;
                if (Accept("NULLS"))
                {
                    if (Accept("FIRST"))
                    {
                        nullsFirst = true;
                    }
                    else if (Accept("LAST"))
                    {
                        nullsFirst = false;
                    }
                    else
                    {
                        throw Unexpected(Current);
                    }
                }

                orderBy.Add(new SoqlOrderItem(path, descending, nullsFirst));
            }
            while (Accept(SoqlTokenKind.Comma));
        }

        int? limit = null;
        if (Accept("LIMIT"))
        {
            limit = ParseCount();
        }

        int? offset = null;
        if (Accept("OFFSET"))
        {
            var token = Current;
            offset = ParseCount();
            if (offset > 2000)
            {
                throw new SoqlException("NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000", token.Position);
            }
        }

        if (Accept("FOR"))
        {
            if (!(Accept("VIEW") || Accept("REFERENCE") || Accept("UPDATE")))
            {
                throw Unexpected(Current);
            }
        }

        return new SoqlQuery
        {
            Select = select,
            From = from,
            FromPosition = fromToken.Position,
            Alias = alias,
            Where = where,
            GroupBy = groupBy,
            OrderBy = orderBy,
            Limit = limit,
            Offset = offset,
        };
    }

    private int ParseCount()
    {
        var token = Current;
        if (token.Kind != SoqlTokenKind.Number || token.Value is not decimal d || d != decimal.Truncate(d) || d < 0 || d > int.MaxValue)
        {
            throw Unexpected(token);
        }

        Next();
        return (int)d;
    }

    private SoqlSelectItem ParseSelectItem(bool nested)
    {
        var token = Current;
        if (token.Kind == SoqlTokenKind.LeftParen)
        {
            if (nested)
            {
                throw Unexpected(token);
            }

            Next();
            var sub = ParseQuery(nested: true);
            Expect(SoqlTokenKind.RightParen);
            return new SoqlSubqueryItem(sub, token.Position);
        }

        if (token.Kind == SoqlTokenKind.Identifier && _tokens[_index + 1].Kind == SoqlTokenKind.LeftParen)
        {
            var name = token.Text.ToUpperInvariant();
            if (name == "FIELDS")
            {
                Next();
                Next();
                var kind = Expect(SoqlTokenKind.Identifier);
                if (!(kind.Is("ALL") || kind.Is("STANDARD") || kind.Is("CUSTOM")))
                {
                    throw Unexpected(kind);
                }

                Expect(SoqlTokenKind.RightParen);
                return new SoqlFieldsItem(kind.Text.ToUpperInvariant(), token.Position);
            }

            if (Aggregates.Contains(name))
            {
                Next();
                Next();
                if (name == "COUNT" && Accept(SoqlTokenKind.RightParen))
                {
                    return new SoqlCountAllItem(token.Position);
                }

                var path = ParsePath();
                Expect(SoqlTokenKind.RightParen);
                string? alias = null;
                if (Current.Kind == SoqlTokenKind.Identifier && !IsReserved(Current))
                {
                    alias = Next().Text;
                }

                return new SoqlAggregateItem(name, path, alias, token.Position);
            }

            if (name == "TYPEOF")
            {
                throw new SoqlException("MALFORMED_QUERY", "TYPEOF is not supported by this emulator", token.Position);
            }

            throw new SoqlException("MALFORMED_QUERY", $"Unknown function: {token.Text}", token.Position);
        }

        var fieldPath = ParsePath();
        string? fieldAlias = null;
        if (Current.Kind == SoqlTokenKind.Identifier && !IsReserved(Current))
        {
            fieldAlias = Next().Text;
        }

        return new SoqlFieldItem(fieldPath, fieldAlias);
    }

    private static bool IsReserved(SoqlToken token) => Reserved.Any(token.Is);

    private string ParseName()
    {
        var token = Current;
        if (token.Kind != SoqlTokenKind.Identifier || IsReserved(token))
        {
            throw Unexpected(token);
        }

        Next();
        return token.Text;
    }

    private SoqlPath ParsePath()
    {
        var first = Current;
        var segments = new List<string> { ParseName() };
        while (Current.Kind == SoqlTokenKind.Dot)
        {
            Next();
            var token = Current;
            if (token.Kind != SoqlTokenKind.Identifier)
            {
                throw Unexpected(token);
            }

            Next();
            segments.Add(token.Text);
        }

        return new SoqlPath(segments, first.Position);
    }

    private SoqlCondition ParseCondition()
    {
        var first = ParseUnary();
        if (Current.Is("AND") || Current.Is("OR"))
        {
            var op = Current.Text.ToUpperInvariant();
            var parts = new List<SoqlCondition> { first };
            while (Current.Is("AND") || Current.Is("OR"))
            {
                if (!Current.Is(op))
                {
                    // SOQL does not define precedence between AND and OR: mixing them needs parentheses.
                    throw Unexpected(Current);
                }

                Next();
                parts.Add(ParseUnary());
            }

            return op == "AND" ? new SoqlAnd(parts) : new SoqlOr(parts);
        }

        return first;
    }

    private SoqlCondition ParseUnary()
    {
        if (Accept("NOT"))
        {
            return new SoqlNot(ParseUnary());
        }

        if (Current.Kind == SoqlTokenKind.LeftParen)
        {
            Next();
            var inner = ParseCondition();
            Expect(SoqlTokenKind.RightParen);
            return inner;
        }

        var path = ParsePath();
        var token = Current;
        if (token.Kind == SoqlTokenKind.Operator)
        {
            Next();
            return new SoqlComparison(path, token.Text, ParseLiteral());
        }

        if (Accept("LIKE"))
        {
            return new SoqlLike(path, ParseLiteral());
        }

        var negated = false;
        string? op = null;
        if (Current.Is("NOT") && _tokens[_index + 1].Is("IN"))
        {
            Next();
            Next();
            negated = true;
            op = "NOT IN";
        }
        else if (Accept("IN"))
        {
            op = "IN";
        }
        else if (Current.Is("INCLUDES") || Current.Is("EXCLUDES"))
        {
            op = Next().Text.ToUpperInvariant();
        }

        if (op is not null)
        {
            Expect(SoqlTokenKind.LeftParen);
            if (Current.Is("SELECT"))
            {
                var sub = ParseQuery(nested: true);
                Expect(SoqlTokenKind.RightParen);
                return new SoqlIn(path, negated, [], sub, op);
            }

            var values = new List<SoqlLiteral>();
            do
            {
                values.Add(ParseLiteral());
            }
            while (Accept(SoqlTokenKind.Comma));

            Expect(SoqlTokenKind.RightParen);
            return new SoqlIn(path, negated, values, null, op);
        }

        throw Unexpected(Current);
    }

    private SoqlLiteral ParseLiteral()
    {
        var token = Next();
        switch (token.Kind)
        {
            case SoqlTokenKind.String:
                return new SoqlString((string)token.Value!, token.LikePattern!, token.Position);
            case SoqlTokenKind.Number:
                return new SoqlNumber((decimal)token.Value!, token.Position);
            case SoqlTokenKind.Date:
                return new SoqlDate((DateOnly)token.Value!, token.Position);
            case SoqlTokenKind.DateTime:
                return new SoqlDateTime((DateTimeOffset)token.Value!, token.Position);
            case SoqlTokenKind.Identifier when token.Is("NULL"):
                return new SoqlNull(token.Position);
            case SoqlTokenKind.Identifier when token.Is("TRUE"):
                return new SoqlBoolean(true, token.Position);
            case SoqlTokenKind.Identifier when token.Is("FALSE"):
                return new SoqlBoolean(false, token.Position);
            case SoqlTokenKind.Identifier when SoqlDates.IsRange(token.Text):
                var name = token.Text.ToUpperInvariant();
                if (SoqlDates.TakesN(name))
                {
                    Expect(SoqlTokenKind.Colon);
                    var n = Current;
                    if (n.Kind != SoqlTokenKind.Number || (decimal)n.Value! != decimal.Truncate((decimal)n.Value!) || (decimal)n.Value! < 0)
                    {
                        throw Unexpected(n);
                    }

                    Next();
                    return new SoqlDateRange(name, (int)(decimal)n.Value!, token.Position);
                }

                return new SoqlDateRange(name, null, token.Position);
            case SoqlTokenKind.Colon:
                throw new SoqlException("MALFORMED_QUERY", "unexpected token: ':' (bind variables are only available in Apex)", token.Position);
            default:
                throw Unexpected(token);
        }
    }
}
