namespace Aria.CrmSync;

/// <summary>Options of the audit trail.</summary>
public sealed class CrmAuditOptions
{
    /// <summary>
    /// Gets or sets the Base64 key (at least 32 bytes) that signs exported chain anchors
    /// (<see cref="ICrmAuditService.ExportAnchorAsync"/>); keep it outside the database. <see langword="null"/> exports unsigned anchors.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? AnchorSigningKey { get; set; }

    /// <summary>Gets or sets the identifier recorded with signed anchors, so keys can rotate.</summary>
    /// <value>The default value is <c>default</c>.</value>
    public string AnchorKeyId { get; set; } = "default";

    /// <summary>
    /// Gets or sets after how many new entries of a user's chain the trail anchors its head to the configured
    /// <see cref="IAuditAnchorSink"/> (checked after each append). 1 anchors every append.
    /// </summary>
    /// <value>The default value is 100.</value>
    public int AnchorEveryEntries { get; set; } = 100;

    /// <summary>
    /// Gets or sets how old a user's last anchor may get before the next append anchors the head again, however few
    /// entries were added.
    /// </summary>
    /// <value>The default value is 15 minutes.</value>
    public TimeSpan AnchorInterval { get; set; } = TimeSpan.FromMinutes(15);

    internal byte[]? KeyBytes() => AnchorSigningKey is null ? null : Convert.FromBase64String(AnchorSigningKey);
}
