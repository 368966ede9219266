namespace Aria.CrmSync.Testing.Salesforce;

/// <summary>A stored record: typed values keyed by canonical field name.</summary>
internal sealed class SfRecord
{
    public SfRecord(string id, string type, long sequence)
    {
        Id = id;
        Type = type;
        Sequence = sequence;
    }

    public string Id { get; }

    /// <summary>Gets the storage type (ContentDocument records are stored as ContentNote).</summary>
    public string Type { get; }

    /// <summary>Gets the insertion order.</summary>
    public long Sequence { get; }

    public Dictionary<string, object?> Values { get; private set; } = new(StringComparer.OrdinalIgnoreCase);

    public DateTimeOffset? DeletedAt { get; set; }

    public bool IsDeleted => DeletedAt is not null;

    public object? Get(string name) => Values.GetValueOrDefault(name);

    public SfRecord Clone()
    {
        var copy = new SfRecord(Id, Type, Sequence) { DeletedAt = DeletedAt };
        copy.Values = new Dictionary<string, object?>(Values, StringComparer.OrdinalIgnoreCase);
        return copy;
    }

    public void RestoreFrom(SfRecord before)
    {
        Values = new Dictionary<string, object?>(before.Values, StringComparer.OrdinalIgnoreCase);
        DeletedAt = before.DeletedAt;
    }
}

/// <summary>A Salesforce error: <c>errorCode</c>/<c>statusCode</c>, message and fields.</summary>
internal sealed record SfError(string Code, string Message, IReadOnlyList<string> Fields)
{
    public SfError(string code, string message)
        : this(code, message, [])
    {
    }
}

/// <summary>The outcome of one record write.</summary>
internal sealed class SfSaveResult
{
    public string? Id { get; set; }

    public List<SfError> Errors { get; } = [];

    public bool Success => Errors.Count == 0;

    public bool Created { get; set; }

    public static SfSaveResult Fail(SfError error, string? id = null)
    {
        var result = new SfSaveResult { Id = id };
        result.Errors.Add(error);
        return result;
    }
}

/// <summary>A failure of the whole request (malformed body, bad parameters): HTTP status plus error array.</summary>
internal sealed class SfRequestException : Exception
{
    public SfRequestException(int status, string code, string message, params string[] fields)
        : base(message)
    {
        Status = status;
        Errors = [new SfError(code, message, fields)];
    }

    public SfRequestException()
        : this(400, "UNKNOWN_EXCEPTION", "Unknown")
    {
    }

    public SfRequestException(string message)
        : this(400, "UNKNOWN_EXCEPTION", message)
    {
    }

    public SfRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 400;
        Errors = [new SfError("UNKNOWN_EXCEPTION", message)];
    }

    public int Status { get; }

    public IReadOnlyList<SfError> Errors { get; }
}
