using System.Globalization;
using System.Text;

namespace Aria.CrmSync.Soak.Simulation;

/// <summary>
/// The per-lead trace of a simulated soak (<c>--trace sf-00012,hs-00013</c>): every sync-state write (plan, claim,
/// settle: status, base, pending entries), every lead write and every CRM request that names the lead's record, each
/// with the scheduler step, the virtual time and the actor (worker run) that made it; kills and token expiries too.
/// </summary>
public sealed class SimTrace(TextWriter output)
{
    private readonly HashSet<string> _leads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _crmIds = new(StringComparer.Ordinal);

    public SimScheduler? Scheduler { get; set; }

    public SimClock? Clock { get; set; }

    public bool Any => _leads.Count > 0;

    public void Follow(IEnumerable<string> leadIds)
    {
        foreach (var id in leadIds)
        {
            _leads.Add(id);
        }
    }

    public bool Follows(string? leadId) => leadId is not null && _leads.Contains(leadId);

    /// <summary>Maps a CRM record to its lead, so requests naming the record are traced.</summary>
    public void Link(string leadId, string crmId)
    {
        if (_leads.Contains(leadId))
        {
            _crmIds[crmId] = leadId;
        }
    }

    public void Event(string text) => Write(null, text);

    public void Lead(string leadId, string text)
    {
        if (_leads.Contains(leadId))
        {
            Write(leadId, text);
        }
    }

    public void State(string what, CrmSyncState state)
    {
        if (!_leads.Contains(state.LeadMemoryId))
        {
            return;
        }

        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"state {what} v{state.Version} {state.Status} retry={state.RetryCount}");
        s.Append(" base{").AppendJoin(", ", state.BaseSnapshot.Where(k => k.Key is LeadFields.LifecycleStage or LeadFields.Status or LeadFields.ExpectedValue or LeadFields.ExpectedCloseDate).Select(k => $"{k.Key}={k.Value}")).Append('}');
        foreach (var p in state.PendingChanges)
        {
            s.Append(CultureInfo.InvariantCulture, $" pending[{p.Field}={p.Value}{(p.Unconfirmed ? $" unconfirmed lead-before={p.LeadValueBefore} crm-before={p.CrmValueBefore}" : string.Empty)}]");
        }

        if (state.ErrorMessage is not null)
        {
            s.Append(" error=").Append(state.ErrorMessage.Length > 160 ? state.ErrorMessage[..160] : state.ErrorMessage);
        }

        Write(state.LeadMemoryId, s.ToString());
    }

    /// <summary>Traces a CRM request when it names a followed record.</summary>
    public void Request(string method, string path, string body, string outcome)
    {
        foreach (var (crmId, leadId) in _crmIds)
        {
            if (path.Contains(crmId, StringComparison.Ordinal) || body.Contains(crmId, StringComparison.Ordinal))
            {
                var excerpt = body.Length > 600 ? body[..600] + "..." : body;
                Write(leadId, $"crm {method} {path} {excerpt.ReplaceLineEndings(" ")} -> {outcome}");
            }
        }
    }

    private void Write(string? leadId, string text)
    {
        var at = Clock?.GetUtcNow().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "-";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trace step {Scheduler?.Steps ?? 0} {at} [{Scheduler?.Current?.Name ?? "driver"}] {leadId ?? "*"}: {text}"));
    }
}
