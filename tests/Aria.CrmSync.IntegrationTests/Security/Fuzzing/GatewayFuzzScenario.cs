using System.Globalization;

namespace Aria.CrmSync.IntegrationTests.Security.Fuzzing;

/// <summary>
/// Calls every read and write of an <see cref="ICrmGateway"/> once and collects what escapes that is not one of the
/// library's typed <see cref="CrmSyncException"/>s (a raw JsonException, FormatException, NullReferenceException, ...).
/// </summary>
internal static class GatewayFuzzScenario
{
    /// <summary>Gets how many responses the scenario reads at most from a small CRM (so a mutation can target each).</summary>
    public const int Responses = 12;

    public static async Task<List<string>> RunAsync(ICrmGateway gateway, CrmConnection connection, string crmId, string stage)
    {
        var escaped = new List<string>();

        async Task Try(string operation, Func<Task> call)
        {
            try
            {
                await call();
            }
            catch (CrmSyncException)
            {
                // typed: the contract
            }
            catch (Exception ex)
            {
                escaped.Add($"{operation}: {ex.GetType().FullName}: {ex.Message}");
            }
        }

        await Try("GetRecord", () => gateway.GetRecordAsync(connection, crmId));
        await Try("GetRecords", () => gateway.GetRecordsAsync(connection, [crmId]));
        await Try("GetChanges", async () =>
        {
            await foreach (var _ in gateway.GetChangesAsync(connection, null))
            {
            }
        });
        await Try("UpdateRecords", () => gateway.UpdateRecordsAsync(connection, [new CrmRecordUpdate
        {
            CrmId = crmId,
            Fields = new Dictionary<string, string?> { [CrmFields.Stage] = stage, [CrmFields.Amount] = (1000 + Random.Shared.Next(1000)).ToString(CultureInfo.InvariantCulture) },
        }]));
        await Try("CreateNotes", () => gateway.CreateNotesAsync(connection, [new CrmNoteRequest { IdempotencyKey = "aria-" + Guid.NewGuid().ToString("N"), CrmId = crmId, Text = "[ARIA] fuzz" }]));
        await Try("GetActivities", async () =>
        {
            await foreach (var _ in gateway.GetActivitiesAsync(connection, crmId))
            {
            }
        });
        await Try("GetActivityChanges", async () =>
        {
            await foreach (var _ in gateway.GetActivityChangesAsync(connection, null))
            {
            }
        });
        return escaped;
    }
}
