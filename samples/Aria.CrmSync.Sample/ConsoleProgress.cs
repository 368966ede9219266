namespace Aria.CrmSync.Sample;

/// <summary>Shows a connection sync's progress on one console line (one final line when output is redirected).</summary>
internal sealed class ConsoleProgress(string label) : IProgress<ConnectionSyncProgress>
{
    private readonly Lock _gate = new();
    private ConnectionSyncPhase? _lastPhase;

    public void Report(ConnectionSyncProgress value)
    {
        lock (_gate)
        {
            var text = $"  {label,-10} {Describe(value.Phase),-22} {value.RecordsProcessed,5} leads compared · {value.LeadsUpdated,4} updated from the CRM · {value.CrmRecordsUpdated,4} CRM writes · {value.Failures} failed";
            if (Console.IsOutputRedirected)
            {
                // A log file gets one line per CRM: the final counts.
                if (value.Phase == ConnectionSyncPhase.Done && _lastPhase != ConnectionSyncPhase.Done)
                {
                    Console.WriteLine(text);
                }
            }
            else
            {
                Console.Write("\r" + text.PadRight(Math.Max(text.Length, Console.WindowWidth - 1)));
                if (value.Phase == ConnectionSyncPhase.Done)
                {
                    Console.WriteLine();
                }
            }

            _lastPhase = value.Phase;
        }
    }

    private static string Describe(ConnectionSyncPhase phase) => phase switch
    {
        ConnectionSyncPhase.CrmChanges => "reading CRM changes",
        ConnectionSyncPhase.LeadChanges => "writing ARIA changes",
        ConnectionSyncPhase.Notes => "sending notes",
        ConnectionSyncPhase.Activities => "pulling activities",
        _ => "done",
    };
}
