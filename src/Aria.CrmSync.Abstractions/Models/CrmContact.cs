namespace Aria.CrmSync;

/// <summary>
/// A person on a deal: a CRM contact and the part they play in it (Salesforce <c>OpportunityContactRole</c> with its
/// <c>Contact</c>; HubSpot deal→contact associations with the contact's properties). Stored with the lead as one of its
/// <see cref="LeadMemory.Stakeholders"/>; pulled from the CRM only (CRM → lead).
/// </summary>
public sealed record CrmContact
{
    /// <summary>Gets the CRM's contact id (Salesforce <c>Contact.Id</c>, HubSpot contact <c>hs_object_id</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the contact's full name, when the CRM has one.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the contact's email address, when the CRM has one.</summary>
    public string? Email { get; init; }

    /// <summary>Gets the contact's job title (Salesforce <c>Title</c>, HubSpot <c>jobtitle</c>).</summary>
    public string? Title { get; init; }

    /// <summary>
    /// Gets the contact's role on the deal: the Salesforce <c>OpportunityContactRole.Role</c> picklist value (for example
    /// <c>Decision Maker</c>), or the label of a labelled HubSpot association; <see langword="null"/> when none is set.
    /// </summary>
    public string? Role { get; init; }

    /// <summary>Gets a value indicating whether the contact is the deal's primary contact (Salesforce <c>IsPrimary</c>, HubSpot's <c>Primary</c> association label).</summary>
    public bool IsPrimary { get; init; }
}
