namespace Aria.CrmSync.Testing.Salesforce;

/// <summary>What a captured change did to a record.</summary>
internal enum SfChangeKind
{
    Create,
    Update,
    Delete,
    Undelete,
}

/// <summary>One record change captured in a transaction: the record as it was before (updates) and after.</summary>
internal sealed record SfCapturedChange(SfChangeKind Kind, string Type, string Id, IReadOnlyDictionary<string, object?>? Before, IReadOnlyDictionary<string, object?> After, string UserId);

/// <summary>
/// Change capture for Change Data Capture: every create, update, delete and undelete is recorded in the running
/// transaction and handed to <see cref="Committed"/> when the outermost all-or-none scope ends without rollback (or at
/// once outside a scope), so a rolled-back write never produces a change event.
/// </summary>
internal sealed partial class SfStore
{
    private readonly List<SfCapturedChange> _pendingChanges = [];
    private readonly Stack<int> _changeMarks = new();

    /// <summary>Gets or sets the receiver of committed transactions (each list is one transaction, in commit order).</summary>
    public Action<IReadOnlyList<SfCapturedChange>>? Committed { get; set; }

    private void CaptureChange(SfChangeKind kind, SfRecord record, SfRecord? before)
    {
        if (Committed is null)
        {
            return;
        }

        _pendingChanges.Add(new SfCapturedChange(kind, record.Type, record.Id, before?.Values, new Dictionary<string, object?>(record.Values, StringComparer.OrdinalIgnoreCase), CurrentUserId));
        if (_depth == 0)
        {
            FlushChanges();
        }
    }

    private void MarkChanges() => _changeMarks.Push(_pendingChanges.Count);

    private void EndChanges(bool rollback)
    {
        var mark = _changeMarks.Count > 0 ? _changeMarks.Pop() : 0;
        if (rollback && mark < _pendingChanges.Count)
        {
            _pendingChanges.RemoveRange(mark, _pendingChanges.Count - mark);
        }

        if (_depth == 0)
        {
            FlushChanges();
        }
    }

    private void FlushChanges()
    {
        if (_pendingChanges.Count == 0)
        {
            return;
        }

        var transaction = _pendingChanges.ToArray();
        _pendingChanges.Clear();
        Committed?.Invoke(transaction);
    }
}
