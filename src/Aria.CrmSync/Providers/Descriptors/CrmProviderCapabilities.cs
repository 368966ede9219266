namespace Aria.CrmSync;

/// <summary>What a CRM (and its gateway) supports, as declared by its <see cref="CrmProviderDescriptor"/>.</summary>
[Flags]
public enum CrmProviderCapabilities
{
    /// <summary>Nothing beyond the <see cref="ICrmGateway"/> contract's reads and writes.</summary>
    None = 0,

    /// <summary>The gateway creates records (it implements <see cref="ICrmRecordCreator"/>).</summary>
    CreateRecords = 1,

    /// <summary>The gateway attaches notes idempotently (<see cref="ICrmGateway.CreateNotesAsync"/> does more than refuse).</summary>
    Notes = 2,

    /// <summary>The gateway reads activities (calls, meetings, tasks) per record and across a connection.</summary>
    Activities = 4,

    /// <summary>The gateway's change stream reports deletions (<see cref="CrmRecord.IsDeleted"/>).</summary>
    Deletions = 8,

    /// <summary>Every connection has its own API host (<see cref="CrmConnection.InstanceUrl"/>), as a Salesforce org does.</summary>
    InstanceUrlPerConnection = 16,

    /// <summary>The gateway reads deals' contacts (it implements <see cref="ICrmContactReader"/>).</summary>
    Contacts = 32,
}
