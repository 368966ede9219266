using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>The format of an audit export.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<AuditExportFormat>))]
public enum AuditExportFormat
{
    /// <summary>CSV with header <c>id,user_id,lead_memory_id,operation,provider,success,details,error_message,created_at</c>.</summary>
    [WireValue("csv")]
    Csv,

    /// <summary>A JSON array of entries.</summary>
    [WireValue("json")]
    Json,
}

/// <summary>What to export: one user's entries, optionally filtered.</summary>
public sealed record AuditExportRequest
{
    /// <summary>Gets the user whose entries are exported (required: an export never mixes users).</summary>
    public required string UserId { get; init; }

    /// <summary>Gets the format.</summary>
    /// <value>The default value is <see cref="AuditExportFormat.Csv"/>.</value>
    public AuditExportFormat Format { get; init; } = AuditExportFormat.Csv;

    /// <summary>Gets the lead filter.</summary>
    public string? LeadMemoryId { get; init; }

    /// <summary>Gets the operation filter.</summary>
    public CrmAuditOperation? Operation { get; init; }

    /// <summary>Gets the CRM filter.</summary>
    public CrmProvider? Provider { get; init; }

    /// <summary>Gets the inclusive lower bound on creation time.</summary>
    public DateTimeOffset? DateStart { get; init; }

    /// <summary>Gets the inclusive upper bound on creation time.</summary>
    public DateTimeOffset? DateEnd { get; init; }
}

/// <summary>What an export wrote.</summary>
/// <param name="EntriesWritten">How many entries were written.</param>
/// <param name="Format">The format.</param>
public sealed record AuditExportResult(long EntriesWritten, AuditExportFormat Format);
