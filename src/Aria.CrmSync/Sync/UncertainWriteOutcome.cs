namespace Aria.CrmSync.Sync;

/// <summary>What a CRM record read back after a write call failed with an unknown outcome shows about the write.</summary>
internal enum UncertainWriteOutcome
{
    /// <summary>The record shows neither outcome for certain (a person changed it meanwhile): the write stays unconfirmed.</summary>
    Unknown,

    /// <summary>The record shows every value written.</summary>
    Landed,

    /// <summary>The record shows every value from before and was not modified since it was read.</summary>
    NotLanded,
}
