using System.Globalization;
using System.Text.Json;
using Aria.CrmSync.Fields;
using Aria.CrmSync.Serialization;
using Aria.CrmSync.Sync;
using BenchmarkDotNet.Attributes;

namespace Aria.CrmSync.Benchmarks;

/// <summary>
/// The engine with 20 mapped fields (the four default ones and 16 catalogue fields of every type, Salesforce wire values):
/// mapping both sides and the three-way merge per lead (target: ≥ 100,000 leads/s), the plan and its settled state, and
/// the size of a lead's sync state with 20 fields (target: under 4 KB; the setup fails otherwise). The setup also prints
/// the size with the bounded note and conflict history of <see cref="SyncStateSizeBenchmarks"/> added, for comparison.
/// </summary>
[MemoryDiagnoser]
public class CustomFieldBenchmarks
{
    /// <summary>The largest serialised state the target allows.</summary>
    public const int TargetBytes = 4_096;

    private const int Leads = 10_000;
    private static readonly CrmProvider Sf = CrmProvider.Salesforce;

    private ConnectionFieldMap _fields = null!;
    private LeadMemory[] _leads = [];
    private CrmRecord[] _records = [];
    private CrmSyncState[] _states = [];

    /// <summary>Gets the serialised size of a settled state with 20 fields, in bytes.</summary>
    public int StateBytes { get; private set; }

    /// <summary>Gets the serialised size of that state with the bounded note and conflict history of <see cref="SyncStateSizeBenchmarks"/>, in bytes.</summary>
    public int StateWithHistoryBytes { get; private set; }

    /// <summary>The 16 catalogue fields.</summary>
    public static IReadOnlyList<CrmFieldDefinition> CustomFields()
    {
        static CrmFieldDefinition F(string lead, CrmFieldType type, string crm) => new() { LeadField = lead, Type = type, CrmFields = new Dictionary<CrmProvider, string> { [Sf] = crm } };
        static CrmFieldDefinition P(string lead, CrmFieldType type, string crm, params string[] values)
            => F(lead, type, crm) with { Picklists = new Dictionary<CrmProvider, CrmPicklistMap> { [Sf] = new([.. values.Select(v => new CrmPicklistEntry(v, v.ToLowerInvariant()))]) } };
        return
        [
            P("region", CrmFieldType.Picklist, "Region__c", "EMEA", "Americas", "APAC"),
            P("segment", CrmFieldType.Picklist, "Segment__c", "SMB", "Mid", "Enterprise"),
            P("channels", CrmFieldType.MultiPicklist, "Channels__c", "Web", "Phone", "Partner"),
            F("next_step", CrmFieldType.Text, "Next_Step__c"),
            F("competitor", CrmFieldType.Text, "Competitor__c"),
            F("champion", CrmFieldType.Text, "Champion__c"),
            F("details", CrmFieldType.LongText, "Details__c"),
            F("score", CrmFieldType.Decimal, "Score__c") with { Precision = 8, Scale = 2 },
            F("margin", CrmFieldType.Decimal, "Margin__c"),
            F("seats", CrmFieldType.Integer, "Seats__c"),
            F("deal_value", CrmFieldType.Currency, "Deal_Value__c") with { Precision = 16, Scale = 2 },
            F("win_chance", CrmFieldType.Percent, "Win_Chance__c"),
            F("renewal", CrmFieldType.Date, "Renewal__c"),
            F("trial_end", CrmFieldType.Date, "Trial_End__c"),
            F("kickoff", CrmFieldType.DateTime, "Kickoff__c"),
            F("active_customer", CrmFieldType.Boolean, "Active_Customer__c"),
        ];
    }

    [GlobalSetup]
    public void Setup()
    {
        var options = new CrmSyncOptions();
        _fields = ConnectionFieldMap.Create(options, Sf, CustomFields(), "CurrencyIsoCode", metadata: null);
        _leads = [.. Enumerable.Range(0, Leads).Select(i => BenchData.Lead(i) with { CustomFields = LeadValues(i) })];
        _records = [.. Enumerable.Range(0, Leads).Select(i => BenchData.Record(i, changed: i % 4 == 0) with { Fields = CrmValues(i, changed: i % 4 == 0) })];

        // Each lead's state as agreed by a sync of the unchanged record (20 fields in the base snapshot).
        _states = [.. Enumerable.Range(0, Leads).Select(i =>
        {
            var state = BenchData.State(i);
            var agreed = LeadSyncPlan.Create(_leads[i], BenchData.Record(i, changed: false) with { Fields = CrmValues(i, changed: false) }, state, SyncDirection.Bidirectional, _fields, BenchData.T0);
            return agreed.Settle(state, BenchData.T0);
        })];

        var settled = _states[1];
        if (settled.BaseSnapshot.Count != 20)
        {
            throw new InvalidOperationException($"The agreed base has {settled.BaseSnapshot.Count} fields, not 20.");
        }

        var (history, _) = SyncStateSizeBenchmarks.Build(options);
        StateBytes = JsonSerializer.SerializeToUtf8Bytes(settled, CrmSyncJson.Options).Length;
        StateWithHistoryBytes = JsonSerializer.SerializeToUtf8Bytes(history with { BaseSnapshot = settled.BaseSnapshot }, CrmSyncJson.Options).Length;
        Console.WriteLine($"// sync state with 20 fields: {StateBytes:N0} bytes; with 1,000 delivered notes and 100 resolved conflicts: {StateWithHistoryBytes:N0} bytes (target < {TargetBytes:N0})");
        if (StateBytes >= TargetBytes)
        {
            throw new InvalidOperationException($"A sync state with 20 fields has {StateBytes} bytes; the target is under {TargetBytes}.");
        }
    }

    /// <summary>Maps both sides of 20 fields and merges them three ways, per lead.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Leads)]
    public int Merge20Fields()
    {
        var changed = 0;
        for (var i = 0; i < Leads; i++)
        {
            // As LeadSyncPlan.Create calls it: the lead side with the agreed base (an unchanged lead value needs no parse).
            var result = ThreeWayMerge.Merge(_states[i].BaseSnapshot, _fields.FromLead(_leads[i], agreed: _states[i].BaseSnapshot), _fields.FromCrm(_records[i], out _), _fields.Fields, _fields.RuleFor);
            changed += result.ToLead.Count;
        }

        return changed;
    }

    /// <summary>The lead side of <see cref="Merge20Fields"/> alone: 20 lead values to canonical text (unchanged ones as agreed), per lead.</summary>
    [Benchmark(OperationsPerInvoke = Leads)]
    public int LeadValues20Fields()
    {
        var count = 0;
        for (var i = 0; i < Leads; i++)
        {
            count += _fields.FromLead(_leads[i], agreed: _states[i].BaseSnapshot).Count;
        }

        return count;
    }

    /// <summary>The CRM side of <see cref="Merge20Fields"/> alone: 20 wire values to canonical lead text (value maps, currency), per lead.</summary>
    [Benchmark(OperationsPerInvoke = Leads)]
    public int CrmValues20Fields()
    {
        var count = 0;
        for (var i = 0; i < Leads; i++)
        {
            count += _fields.FromCrm(_records[i], out _).Count;
        }

        return count;
    }

    /// <summary>The lead plan of 20 fields and its settled state, per lead.</summary>
    [Benchmark(OperationsPerInvoke = Leads)]
    public int PlanAndSettle20Fields()
    {
        var changed = 0;
        for (var i = 0; i < Leads; i++)
        {
            var plan = LeadSyncPlan.Create(_leads[i], _records[i], _states[i], SyncDirection.Bidirectional, _fields, BenchData.T0);
            var next = plan.Settle(_states[i], BenchData.T0);
            changed += plan.ToLead.Count + (int)next.Status;
        }

        return changed;
    }

    private static Dictionary<string, string?> LeadValues(int i) => new(StringComparer.Ordinal)
    {
        ["region"] = "emea",
        ["segment"] = "enterprise",
        ["channels"] = "partner;web",
        ["next_step"] = "Send the proposal to procurement",
        ["competitor"] = "Globex",
        ["champion"] = "Dana Scully",
        ["details"] = "Two-year term, three sites, onboarding in Q3.",
        ["score"] = "87.5",
        ["margin"] = "0.32",
        ["seats"] = (40 + (i % 100)).ToString(CultureInfo.InvariantCulture),
        ["deal_value"] = (25_000 + i).ToString(CultureInfo.InvariantCulture) + " EUR",
        ["win_chance"] = "60",
        ["renewal"] = "2027-06-30",
        ["trial_end"] = "2026-04-15",
        ["kickoff"] = "2026-05-04T15:30:00.000Z",
        ["active_customer"] = "true",
    };

    /// <summary>The same values as Salesforce returns them (CRM picklist values, JSON number literals, its datetime format); a changed record has a new score and next step.</summary>
    private static Dictionary<string, string?> CrmValues(int i, bool changed) => new(StringComparer.Ordinal)
    {
        ["Region__c"] = "EMEA",
        ["Segment__c"] = "Enterprise",
        ["Channels__c"] = "Web;Partner",
        ["Next_Step__c"] = changed ? "Legal review" : "Send the proposal to procurement",
        ["Competitor__c"] = "Globex",
        ["Champion__c"] = "Dana Scully",
        ["Details__c"] = "Two-year term, three sites, onboarding in Q3.",
        ["Score__c"] = changed ? "91.0" : "87.50",
        ["Margin__c"] = "0.320",
        ["Seats__c"] = (40 + (i % 100)).ToString(CultureInfo.InvariantCulture) + ".0",
        ["Deal_Value__c"] = (25_000 + i).ToString(CultureInfo.InvariantCulture) + ".00",
        ["CurrencyIsoCode"] = "EUR",
        ["Win_Chance__c"] = "60.0",
        ["Renewal__c"] = "2027-06-30",
        ["Trial_End__c"] = "2026-04-15",
        ["Kickoff__c"] = "2026-05-04T15:30:00.000+0000",
        ["Active_Customer__c"] = "true",
    };
}
