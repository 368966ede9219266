namespace Aria.CrmSync.Testing;

/// <summary>A snapshot of an emulated HubSpot CRM record (what the direct data-access helpers return).</summary>
/// <param name="ObjectType">The object type name, e.g. <c>deals</c> or <c>notes</c>.</param>
/// <param name="Id">The record id (a numeric string).</param>
/// <param name="Properties">The property values (strings, as on the wire).</param>
/// <param name="CreatedAt">When the record was created.</param>
/// <param name="UpdatedAt">When the record was last modified (its <c>hs_lastmodifieddate</c>).</param>
/// <param name="ArchivedAt">When the record was archived, or <see langword="null"/>.</param>
public sealed record HubSpotObject(
    string ObjectType,
    string Id,
    IReadOnlyDictionary<string, string?> Properties,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ArchivedAt)
{
    /// <summary>Gets a value indicating whether the record is archived (in the recycling bin).</summary>
    public bool Archived => ArchivedAt is not null;

    /// <summary>Gets a property value, or <see langword="null"/>.</summary>
    /// <param name="name">The property name.</param>
    /// <returns>The value.</returns>
    public string? this[string name] => Properties.TryGetValue(name, out var value) ? value : null;
}

/// <summary>OAuth tokens issued by the emulator.</summary>
/// <param name="AccessToken">The access token (bearer).</param>
/// <param name="RefreshToken">The refresh token.</param>
/// <param name="ExpiresAt">When the access token expires.</param>
public sealed record HubSpotOAuthTokens(string AccessToken, string RefreshToken, DateTimeOffset ExpiresAt);

/// <summary>A deal pipeline stage.</summary>
/// <param name="Id">The stage id (internal name), e.g. <c>appointmentscheduled</c> or a numeric id.</param>
/// <param name="Label">The label.</param>
/// <param name="Probability">The win probability, 0.0 (closed lost) to 1.0 (closed won).</param>
/// <param name="IsClosed">Whether the stage closes the deal.</param>
public sealed record HubSpotPipelineStage(string Id, string Label, double Probability, bool IsClosed);

/// <summary>A deal pipeline.</summary>
/// <param name="Id">The pipeline id (<c>default</c> for the default pipeline).</param>
/// <param name="Label">The label.</param>
/// <param name="Stages">The stages in display order.</param>
public sealed record HubSpotPipeline(string Id, string Label, IReadOnlyList<HubSpotPipelineStage> Stages);

/// <summary>An association between two records as the direct data-access helpers report it.</summary>
/// <param name="ToObjectType">The associated record's object type.</param>
/// <param name="ToObjectId">The associated record's id.</param>
/// <param name="Category">The association category (<c>HUBSPOT_DEFINED</c>, <c>USER_DEFINED</c>, …).</param>
/// <param name="TypeId">The association type id, e.g. 214 for note → deal.</param>
public sealed record HubSpotAssociation(string ToObjectType, string ToObjectId, string Category, int TypeId);
