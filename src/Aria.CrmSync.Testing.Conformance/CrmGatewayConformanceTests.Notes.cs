using Xunit;

namespace Aria.CrmSync.Testing.Conformance;

public abstract partial class CrmGatewayConformanceTests
{
    /// <summary>
    /// Checks note idempotency: a note is written once; the same key again (<see cref="CrmNoteRequest.MayExist"/>) finds
    /// the same note instead of writing a second one; the CRM holds the text once.
    /// </summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task NotesAreIdempotentByKey()
    {
        var id = await Control.SeedRecordAsync("Conformance notes", default);
        var key = "conformance-" + Guid.NewGuid().ToString("N");
        var request = new CrmNoteRequest { IdempotencyKey = key, CrmId = id, Text = "[ARIA] Conformance note" };

        var written = Assert.Single(await Gateway.CreateNotesAsync(Connection, [request]));
        var again = Assert.Single(await Gateway.CreateNotesAsync(Connection, [request with { MayExist = true }]));

        Assert.True(written.Success, written.ErrorMessage);
        Assert.Equal(key, written.IdempotencyKey);
        Assert.False(string.IsNullOrEmpty(written.NoteId));
        Assert.True(again.Success, again.ErrorMessage);
        Assert.True(again.AlreadyExisted);
        Assert.Equal(written.NoteId, again.NoteId);
        var held = await Control.ReadRecordAsync(id, default);
        Assert.Single(held!.NoteTexts, t => t.Contains("Conformance note", StringComparison.Ordinal));
    }

    /// <summary>Checks that several notes in one call give one result per note, in request order, each with its own note.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task NotesGiveOneResultPerNoteInOrder()
    {
        var first = await Control.SeedRecordAsync("Conformance notes 1", default);
        var second = await Control.SeedRecordAsync("Conformance notes 2", default);
        var keys = Enumerable.Range(0, 3).Select(i => $"conformance-{i}-{Guid.NewGuid():N}").ToArray();

        var results = await Gateway.CreateNotesAsync(Connection,
        [
            new CrmNoteRequest { IdempotencyKey = keys[0], CrmId = first, Text = "[ARIA] Conformance first" },
            new CrmNoteRequest { IdempotencyKey = keys[1], CrmId = second, Text = "[ARIA] Conformance second" },
            new CrmNoteRequest { IdempotencyKey = keys[2], CrmId = first, Text = "[ARIA] Conformance third" },
        ]);

        Assert.Equal(keys, results.Select(r => r.IdempotencyKey));
        Assert.All(results, r => Assert.True(r.Success, r.ErrorMessage));
        Assert.Equal(3, results.Select(r => r.NoteId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(2, (await Control.ReadRecordAsync(first, default))!.NoteTexts.Count(t => t.Contains("Conformance", StringComparison.Ordinal)));
        Assert.Single((await Control.ReadRecordAsync(second, default))!.NoteTexts, t => t.Contains("Conformance second", StringComparison.Ordinal));
    }

    /// <summary>
    /// Checks activities: one a person logged is read for its record and, with its record named, from the connection's
    /// activity changes; a note ARIA wrote, if read back at all, is read as a <c>note</c> (the engine leaves those out).
    /// </summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task ActivitiesAreReadForTheRecordAndTheConnection()
    {
        var id = await Control.SeedRecordAsync("Conformance activities", default);
        var activityId = await Control.SeedActivityAsync(id, "Conformance call", default);
        var note = Assert.Single(await Gateway.CreateNotesAsync(Connection, [new CrmNoteRequest { IdempotencyKey = "conformance-" + Guid.NewGuid().ToString("N"), CrmId = id, Text = "[ARIA] Conformance own note" }]));
        Assert.True(note.Success, note.ErrorMessage);

        var activities = new List<CrmActivity>();
        await foreach (var activity in Gateway.GetActivitiesAsync(Connection, id))
        {
            activities.Add(activity);
        }

        var changed = new List<CrmActivity>();
        await foreach (var page in Gateway.GetActivityChangesAsync(Connection, null))
        {
            changed.AddRange(page.Activities);
        }

        var logged = Assert.Single(activities, a => a.ExternalId == activityId);
        Assert.Equal("Conformance call", logged.Subject);
        Assert.All(
            activities.Where(a => (a.Body ?? a.Subject ?? string.Empty).Contains("Conformance own note", StringComparison.Ordinal)),
            a => Assert.Equal("note", a.ActivityType)); // an ARIA note read back is a note: the engine leaves it out
        var fromChanges = Assert.Single(changed, a => a.ExternalId == activityId);
        Assert.Equal(id, fromChanges.CrmRecordId);
    }
}
