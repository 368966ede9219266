namespace Aria.CrmSync.Testing.Salesforce.Soql;

/// <summary>A dotted field path as written (e.g. <c>Account.Owner.Name</c>).</summary>
internal sealed record SoqlPath(IReadOnlyList<string> Segments, int Position)
{
    public string Text => string.Join('.', Segments);
}

internal abstract record SoqlSelectItem(int Position);

internal sealed record SoqlFieldItem(SoqlPath Path, string? Alias) : SoqlSelectItem(Path.Position);

internal sealed record SoqlCountAllItem(int Position) : SoqlSelectItem(Position);

internal sealed record SoqlAggregateItem(string Function, SoqlPath? Path, string? Alias, int Position) : SoqlSelectItem(Position);

internal sealed record SoqlFieldsItem(string Kind, int Position) : SoqlSelectItem(Position);

internal sealed record SoqlSubqueryItem(SoqlQuery Query, int Position) : SoqlSelectItem(Position);

internal sealed record SoqlOrderItem(SoqlPath Path, bool Descending, bool NullsFirst);

/// <summary>A parsed SOQL query.</summary>
internal sealed record SoqlQuery
{
    public required IReadOnlyList<SoqlSelectItem> Select { get; init; }

    public required string From { get; init; }

    public required int FromPosition { get; init; }

    public string? Alias { get; init; }

    public SoqlCondition? Where { get; init; }

    public IReadOnlyList<SoqlPath> GroupBy { get; init; } = [];

    public IReadOnlyList<SoqlOrderItem> OrderBy { get; init; } = [];

    public int? Limit { get; init; }

    public int? Offset { get; init; }
}

/// <summary>A literal value in a condition.</summary>
internal abstract record SoqlLiteral(int Position);

internal sealed record SoqlNull(int Position) : SoqlLiteral(Position);

internal sealed record SoqlBoolean(bool Value, int Position) : SoqlLiteral(Position);

internal sealed record SoqlNumber(decimal Value, int Position) : SoqlLiteral(Position);

internal sealed record SoqlString(string Value, string LikePattern, int Position) : SoqlLiteral(Position);

internal sealed record SoqlDate(DateOnly Value, int Position) : SoqlLiteral(Position);

internal sealed record SoqlDateTime(DateTimeOffset Value, int Position) : SoqlLiteral(Position);

/// <summary>A relative date literal (<c>TODAY</c>, <c>LAST_N_DAYS:30</c>).</summary>
internal sealed record SoqlDateRange(string Name, int? N, int Position) : SoqlLiteral(Position);

internal abstract record SoqlCondition;

internal sealed record SoqlAnd(IReadOnlyList<SoqlCondition> Parts) : SoqlCondition;

internal sealed record SoqlOr(IReadOnlyList<SoqlCondition> Parts) : SoqlCondition;

internal sealed record SoqlNot(SoqlCondition Inner) : SoqlCondition;

internal sealed record SoqlComparison(SoqlPath Path, string Operator, SoqlLiteral Value) : SoqlCondition;

internal sealed record SoqlIn(SoqlPath Path, bool Negated, IReadOnlyList<SoqlLiteral> Values, SoqlQuery? Subquery, string Operator) : SoqlCondition;

internal sealed record SoqlLike(SoqlPath Path, SoqlLiteral Pattern) : SoqlCondition;
