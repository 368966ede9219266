namespace Aria.CrmSync.Storage;

/// <summary>The argument rules of <see cref="ISyncStateStore.WriteManyAsync"/>, shared by every store.</summary>
/// <remarks>Shared source: compiled into Abstractions (the default implementation) and each store package.</remarks>
internal static class SyncStateBatch
{
    public static void Check(IReadOnlyList<CrmSyncState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        var leads = new HashSet<string>(states.Count, StringComparer.Ordinal);
        foreach (var state in states)
        {
            if (state is null)
            {
                throw new ArgumentException("The batch holds a null state.", nameof(states));
            }

            ArgumentException.ThrowIfNullOrEmpty(state.LeadMemoryId, nameof(states));
            if (state.Version == 0)
            {
                ArgumentException.ThrowIfNullOrEmpty(state.Id, nameof(states));
            }

            if (state.Version < 0)
            {
                throw new ArgumentException($"The state of lead '{state.LeadMemoryId}' has a negative version.", nameof(states));
            }

            if (!leads.Add(state.LeadMemoryId))
            {
                throw new ArgumentException($"The batch holds two states of lead '{state.LeadMemoryId}'.", nameof(states));
            }
        }
    }
}
