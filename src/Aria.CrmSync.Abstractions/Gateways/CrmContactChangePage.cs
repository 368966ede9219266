namespace Aria.CrmSync;

/// <summary>
/// A page of a connection's contact changes (<see cref="ICrmContactReader.GetContactChangesAsync"/>): the records whose
/// contacts may have changed (a role or association added, changed or removed, or a contact's own name, email or title
/// edited), and the cursor to resume after them.
/// </summary>
/// <param name="CrmIds">The records to read the contacts of again (each once per page).</param>
/// <param name="Cursor">The position after this page.</param>
public sealed record CrmContactChangePage(IReadOnlyList<string> CrmIds, CrmCursor Cursor);
