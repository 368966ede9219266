namespace Aria.CrmSync.Testing.Conformance;

/// <summary>What the CRM holds for a record, read by <see cref="ICrmConformanceControl.ReadRecordAsync"/>.</summary>
/// <param name="Name">The record's name.</param>
/// <param name="NoteTexts">The texts of the notes attached to the record, as stored.</param>
public sealed record CrmConformanceRecord(string Name, IReadOnlyList<string> NoteTexts);
