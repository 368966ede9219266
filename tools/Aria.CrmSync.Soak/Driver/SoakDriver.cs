using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aria.CrmSync.Soak.Model;
using Aria.CrmSync.Soak.Simulation;
using Aria.CrmSync.Soak.Worker;
using Aria.CrmSync.Soak.World;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Aria.CrmSync.Soak.Driver;

/// <summary>
/// A chaos soak of the whole library against the emulated Salesforce org and HubSpot portal:
/// <list type="number">
/// <item>Seeds leads linked to opportunities and deals (half each) and syncs them once without faults (the link).</item>
/// <item>Each round, people edit leads (through the lead store) and CRM records (through the emulators' data access, as a
/// CRM user would), log CRM activities and ask for summaries; then worker processes sync everything while the emulators
/// inject faults into a share of the API calls, access tokens expire, and workers are killed at random points and
/// restarted.</item>
/// <item>After each round the driver reads both sides and checks every field both sides agree on against the
/// <see cref="LeadModel"/>'s expectation (the field rules applied to what people did).</item>
/// <item>At the end, faults off, a quiescent pass syncs every lead; then every lead must equal its CRM record and the
/// model, every summary must be in the CRM exactly once, every activity a lead event exactly once, every failure and
/// retry the workers saw must have its audit entry, and every user's chain must verify, also against an anchor
/// exported mid-run.</item>
/// </list>
/// </summary>
public static partial class SoakDriver
{
    /// <summary>The field rules of the soak: a mix, not only the defaults (manual is left out: it waits for a person).</summary>
    public static readonly IReadOnlyDictionary<Field, ConflictResolution> Rules = new Dictionary<Field, ConflictResolution>
    {
        [Field.Lifecycle] = ConflictResolution.CrmWins,
        [Field.Status] = ConflictResolution.AriaWins,
        [Field.Amount] = ConflictResolution.AriaWins,
        [Field.CloseDate] = ConflictResolution.CrmWins,
    };

    private static readonly byte[] AnchorKey = Enumerable.Range(7, 32).Select(i => (byte)i).ToArray();

    private static readonly string[] Payloads =
    [
        "Budget confirmed; legal review next week.",
        "O'Brien said: \"ship it\" -- ' OR Name LIKE '%' OR Id != '",
        "=HYPERLINK(\"http://evil.example\",\"click\") +1 -1 @SUM(A1)",
        "Line one\nLine two\r\nLine three\twith tab",
        "Non-BMP: 🚀📈 𝔸𝕣𝕚𝕒 and accents: café, naïve, Zürich",
        "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"dealname\",\"operator\":\"HAS_PROPERTY\"}]}]} AND amount:*",
        "<b>bold</b> &amp; <script>alert(1)</script> \\ backslash",
    ];

    public static async Task<SoakReport> RunAsync(SoakOptions options, TextWriter log, CancellationToken cancellationToken = default)
    {
        var report = new SoakReport { Options = options };
        var clock = Stopwatch.StartNew();
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "aria-soak-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(work);
        var journals = Path.Combine(work, "journal");
        Directory.CreateDirectory(journals);
        var schema = options.Store == "postgres" ? "aria_soak_" + Guid.NewGuid().ToString("N")[..12] : null;

        var sim = options.Deterministic ? new SimEnvironment(options.Seed, options.Trace.Count > 0 ? log : null) : null;
        sim?.Trace?.Follow(options.Trace);
        var simStart = sim?.Clock.GetUtcNow();
        try
        {
            await using var world = sim is null ? await CrmWorld.StartAsync(options.Seed, options.HubSpotSearchLag) : CrmWorld.CreateInProcess(options.Seed, sim.Clock, options.HubSpotSearchLag);
            if (sim is not null)
            {
                sim.World = world;
            }

            var run = new SoakRun(options, report, world, work, journals, schema, log, sim);
            await run.ExecuteAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            report.Problems.Add("the soak itself failed: " + ex);
        }
        finally
        {
            // A deterministic run reports its virtual duration (the same on every replay); its real one is logged.
            report.Duration = sim is null ? clock.Elapsed : sim.Clock.GetUtcNow() - simStart!.Value;
            if (sim is not null)
            {
                report.SchedulerSteps = sim.Scheduler.Steps;
                report.SchedulerStalls = sim.Scheduler.Stalls;
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {options.Seed}: {clock.Elapsed.TotalSeconds:0.00} s real, {sim.Scheduler.Steps} scheduler steps"));
            }
            if (options.ReportPath is not null)
            {
                await File.WriteAllTextAsync(options.ReportPath, JsonSerializer.Serialize(report, WorkerConfig.Json), CancellationToken.None);
            }

            if (schema is not null && !options.KeepFiles)
            {
                await DropSchemaAsync(options.Postgres!, schema);
            }

            if (!options.KeepFiles && options.WorkDirectory is null)
            {
                TryDelete(work);
            }
        }

        return report;
    }

    private static async Task DropSchemaAsync(string connectionString, string schema)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // best effort
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex(@"soak:(?:sf|hs)-\d{5}:r\d+n\d+\|", RegexOptions.CultureInvariant)]
    private static partial Regex SummaryToken();

    /// <summary>The state of one run.</summary>
    private sealed partial class SoakRun(SoakOptions options, SoakReport report, CrmWorld world, string work, string journals, string? schema, TextWriter log, SimEnvironment? sim)
    {
        private readonly Random _random = new(options.Seed);
        private readonly List<LeadModel> _model = [];
        private readonly HashSet<string> _killedRuns = new(StringComparer.Ordinal);
        private readonly Dictionary<string, AuditChainAnchor> _anchors = new(StringComparer.Ordinal);
        private readonly List<string> _users = Enumerable.Range(1, options.Users).Select(i => $"soak-user-{i}").ToList();
        private WorkerConfig _config = null!;
        private string _configPath = null!;
        private ServiceProvider _services = null!;
        private int _runs;
        private int _killsOwed;
        private readonly List<SummaryCommand> _unpushed = [];
        private double _callsPerRound = 200;

        private ILeadMemoryStore Leads => _services.GetRequiredService<ILeadMemoryStore>();

        private DateTimeOffset Now => sim?.Clock.GetUtcNow() ?? DateTimeOffset.UtcNow;

        public async Task ExecuteAsync(CancellationToken cancellationToken)
        {
            var tokens = CreateConnections();
            _config = new WorkerConfig
            {
                Store = options.Store,
                ConnectionString = options.Store switch { "sqlite" => $"Data Source={Path.Combine(work, "soak.db")}", "postgres" => options.Postgres!, _ => "memory" },
                Schema = schema,
                SalesforceUrl = world.SalesforceUrl,
                HubSpotUrl = world.HubSpotUrl,
                SalesforceClientId = world.Salesforce.Options.ClientId,
                SalesforceClientSecret = world.Salesforce.Options.ClientSecret,
                HubSpotClientId = world.HubSpot.Options.ClientId,
                HubSpotClientSecret = world.HubSpot.Options.ClientSecret,
                TokensPath = Path.Combine(work, "tokens.json"),
                JournalDirectory = journals,
                Users = _users,
                FieldRules = Rules.ToDictionary(r => Wire(r.Key), r => r.Value),
                DefaultCircuitBreaker = options.DefaultCircuitBreaker,
                NoteClaimSeconds = options.NoteClaimSeconds,
            };
            _configPath = Path.Combine(work, "worker.json");
            _config.Save(_configPath);

            using var driverJournal = new Journal(Path.Combine(journals, "driver.jsonl"));
            _services = WorkerHost.Build(
                _config,
                tokens,
                driverJournal,
                configure: b => b.ConfigureAudit(o =>
                {
                    o.AnchorSigningKey = Convert.ToBase64String(AnchorKey);
                    o.AnchorKeyId = "soak";
                }),
                sim: sim);
            await using var services = _services;

            await SeedAsync(cancellationToken);
            log.WriteLine($"seeded {_model.Count} leads ({_users.Count} users) in {work}");

            // Round 0: the link, without faults.
            await SyncPhaseAsync(new RoundCommands { Round = 0 }, kills: 0, cancellationToken);
            await ObserveAsync(0, cancellationToken);
            log.WriteLine($"round 0 (link): {_model.Count(m => m.Unsettled > 0)} leads not yet agreed");

            world.StartChaos(options.FaultRate, options.Seed);
            var killPlan = PlanKills();
            for (var round = 1; round <= options.Rounds; round++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var started = Stopwatch.GetTimestamp();
                if (sim is not null)
                {
                    // People work a while after the last sync phase (in a run with processes, real time passes).
                    sim.Clock.Advance(TimeSpan.FromMilliseconds(500 + _random.Next(4500)));
                }

                var commands = Edit(round);
                var calls = world.TotalCalls;
                await SyncPhaseAsync(commands, killPlan[round], cancellationToken);
                await ObserveAsync(round, cancellationToken);
                report.RoundsRun = round;
                if (round == Math.Max(1, options.Rounds / 2))
                {
                    foreach (var user in _users)
                    {
                        _anchors[user] = await _services.GetRequiredService<ICrmAuditService>().ExportAnchorAsync(user, cancellationToken);
                    }
                }

                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: {world.TotalCalls - calls} calls, {world.FaultsInjected().Values.Sum()} faults so far, {report.Crashes} kills so far, {_model.Count(m => !Settled(m))} leads unsettled, {report.Violations.Count} violations, {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s"));
            }

            // Faults off; a quiescent pass (repeated while something is still settling).
            foreach (var (kind, count) in world.StopChaos())
            {
                report.FaultsInjected[kind.ToString()] = count;
            }

            for (var pass = 1; pass <= 6; pass++)
            {
                if (pass > 1)
                {
                    // Notes a killed worker held are claimed until their claim runs out.
                    if (sim is null)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(_config.NoteClaimSeconds / 2.0), cancellationToken);
                    }
                    else
                    {
                        sim.Clock.Advance(TimeSpan.FromSeconds(_config.NoteClaimSeconds / 2.0));
                    }
                }

                var final = new RoundCommands
                {
                    Round = options.Rounds + pass,
                    Final = true,
                    Manual = _model.Select(m => new LeadRef(m.UserId, m.LeadId)).ToList(),
                };
                await SyncPhaseAsync(final, kills: 0, cancellationToken);
                await ObserveAsync(final.Round, cancellationToken);
                var unsettled = _model.Count(m => !Settled(m));
                var undelivered = await UndeliveredNotesAsync(cancellationToken);
                log.WriteLine($"final pass {pass}: {unsettled} leads unsettled, {undelivered} notes not yet delivered");
                if (unsettled == 0 && undelivered == 0)
                {
                    break;
                }
            }

            await VerifyAsync(cancellationToken);
        }

        private TokenFile CreateConnections()
        {
            var connections = new List<CrmConnection>();
            foreach (var user in _users)
            {
                var sf = world.Salesforce.IssueTokens();
                connections.Add(new CrmConnection { UserId = user, Provider = CrmProvider.Salesforce, AccessToken = sf.AccessToken, RefreshToken = sf.RefreshToken, InstanceUrl = sf.InstanceUrl });
                var hs = world.HubSpot.IssueOAuthTokens();
                connections.Add(new CrmConnection { UserId = user, Provider = CrmProvider.HubSpot, CredentialKind = CrmCredentialKind.OAuth, AccessToken = hs.AccessToken, RefreshToken = hs.RefreshToken });
            }

            return TokenFile.Create(Path.Combine(work, "tokens.json"), connections);
        }

        private async Task SeedAsync(CancellationToken cancellationToken)
        {
            var now = Now;
            for (var i = 0; i < options.Leads; i++)
            {
                var provider = i % 2 == 0 ? CrmProvider.Salesforce : CrmProvider.HubSpot;
                var user = _users[i / 2 % _users.Count];
                var pair = StagePair.Valid[_random.Next(StagePair.Valid.Count)];
                var stage = Pick(Stages.StagesOf(provider, pair));
                var amount = Amount();
                var close = Date();
                var leadId = $"{(provider == CrmProvider.Salesforce ? "sf" : "hs")}-{i:D5}";
                var crmId = world.CreateRecord(provider, $"Soak deal {leadId}", stage, amount, close);
                await Leads.InsertAsync(
                    new LeadMemory
                    {
                        Id = leadId,
                        UserId = user,
                        CompanyName = "Soak company " + leadId,
                        CrmProvider = provider,
                        CrmId = crmId,
                        LifecycleStage = pair.Lifecycle,
                        Status = pair.Status,
                        ExpectedValue = amount,
                        ExpectedCloseDate = close,
                        CreatedAt = now,
                        UpdatedAt = now,
                    },
                    cancellationToken);
                var values = FieldValues.Of(pair, amount, close);
                sim?.Trace?.Link(leadId, crmId);
                _model.Add(new LeadModel { LeadId = leadId, UserId = user, Provider = provider, CrmId = crmId, Agreed = values, LeadSide = values.Copy(), CrmSide = values.Copy() });
            }
        }

        /// <summary>Spreads the kills over the rounds (several per round when there are more kills than rounds).</summary>
        private int[] PlanKills()
        {
            var plan = new int[options.Rounds + 1];
            for (var k = 0; k < options.Crashes; k++)
            {
                plan[1 + (options.Rounds <= 0 ? 0 : _random.Next(options.Rounds))]++;
            }

            return plan;
        }

        /// <summary>What people do between two sync phases.</summary>
        private RoundCommands Edit(int round)
        {
            var commands = new RoundCommands { Round = round };
            var today = Now;
            foreach (var m in _model)
            {
                if (_random.NextDouble() < options.EditRate)
                {
                    EditLeadAsync(m).GetAwaiter().GetResult();
                }

                if (_random.NextDouble() < options.EditRate)
                {
                    EditCrm(m);
                }

                if (_random.NextDouble() < options.ActivityRate)
                {
                    m.Activities.Add(world.AddActivity(m.Provider, m.CrmId, $"soak-activity {m.LeadId} r{round}", today.AddMinutes(-_random.Next(600))));
                    report.ActivitiesCreated++;
                }

                if (_random.NextDouble() < options.SummaryRate)
                {
                    var token = $"soak:{m.LeadId}:r{round}n{m.Summaries.Count}|";
                    m.Summaries.Add(token);
                    commands.Summaries.Add(new SummaryCommand(m.UserId, m.LeadId, $"{token} {Payloads[_random.Next(Payloads.Length)]}"));
                    report.SummariesPushed++;
                }

                if (_random.NextDouble() < options.ManualRate)
                {
                    commands.Manual.Add(new LeadRef(m.UserId, m.LeadId));
                }
            }

            return commands;
        }

        private async Task EditLeadAsync(LeadModel m)
        {
            var what = _random.Next(3);
            if (what == 2 && !CanEditStage(m, lead: true))
            {
                what = _random.Next(2);
            }

            var crm = world.Read(m.Provider, m.CrmId);
            for (var attempt = 1; ; attempt++)
            {
                var lead = await Leads.GetAsync(m.UserId, m.LeadId) ?? throw new InvalidOperationException($"Lead {m.LeadId} is gone.");
                LeadMemory edited;
                string? amount = null, date = null;
                StagePair? pair = null;
                switch (what)
                {
                    case 0:
                        var value = PickNot(AmountOrNone, FieldValues.Amount, m.CrmSide[Field.Amount], crm[Field.Amount]);
                        edited = lead with { ExpectedValue = value };
                        amount = FieldValues.Amount(value);
                        break;
                    case 1:
                        var close = PickNot(Date, d => FieldValues.Date(d), m.CrmSide[Field.CloseDate], crm[Field.CloseDate]);
                        edited = lead with { ExpectedCloseDate = close };
                        date = FieldValues.Date(close);
                        break;
                    default:
                        pair = PickOther(m.LeadSide.Stage, m.CrmSide.Stage, crm.Stage);
                        edited = lead with { LifecycleStage = pair.Value.Lifecycle, Status = pair.Value.Status };
                        break;
                }

                try
                {
                    await Leads.UpdateAsync(edited with { UpdatedAt = Now });
                }
                catch (CrmSyncConcurrencyException) when (attempt < 5)
                {
                    continue;
                }

                switch (what)
                {
                    case 0:
                        m.LeadSide[Field.Amount] = amount;
                        break;
                    case 1:
                        m.LeadSide[Field.CloseDate] = date;
                        break;
                    default:
                        m.LeadSide.Stage = pair!.Value;
                        m.LeadStageEdited = true;
                        break;
                }

                report.LeadEdits++;
                NoteUnknownOutcomeWindow(m, leadSide: true, what, ValuesOf(lead), ValuesOf(edited));
                return;
            }
        }

        private void EditCrm(LeadModel m)
        {
            var what = _random.Next(3);
            if (what == 2 && !CanEditStage(m, lead: false))
            {
                what = _random.Next(2);
            }

            var lead = ValuesOf(Leads.GetAsync(m.UserId, m.LeadId).GetAwaiter().GetResult() ?? throw new InvalidOperationException($"Lead {m.LeadId} is gone."));
            var before = world.Read(m.Provider, m.CrmId);
            switch (what)
            {
                case 0:
                    var value = PickNot(AmountOrNone, FieldValues.Amount, m.LeadSide[Field.Amount], lead[Field.Amount]);
                    world.Edit(m.Provider, m.CrmId, amount: value, clearAmount: value is null);
                    sim?.Trace?.Lead(m.LeadId, $"a CRM user sets the amount to {FieldValues.Amount(value)}");
                    m.CrmSide[Field.Amount] = FieldValues.Amount(value);
                    break;
                case 1:
                    var close = PickNot(Date, d => FieldValues.Date(d), m.LeadSide[Field.CloseDate], lead[Field.CloseDate]);
                    world.Edit(m.Provider, m.CrmId, closeDate: close);
                    sim?.Trace?.Lead(m.LeadId, $"a CRM user sets the close date to {FieldValues.Date(close)}");
                    m.CrmSide[Field.CloseDate] = FieldValues.Date(close);
                    break;
                default:
                    var pair = PickOther(m.CrmSide.Stage, m.LeadSide.Stage, lead.Stage);
                    var stage = Pick(Stages.StagesOf(m.Provider, pair));
                    world.Edit(m.Provider, m.CrmId, stage: stage);
                    sim?.Trace?.Lead(m.LeadId, $"a CRM user sets the stage to {stage} ({pair})");
                    m.CrmSide.Stage = pair;
                    m.CrmStageEdited = true;
                    break;
            }

            report.CrmEdits++;
            NoteUnknownOutcomeWindow(m, leadSide: false, what, before, world.Read(m.Provider, m.CrmId));
        }

        /// <summary>
        /// Notes a person's edit that falls in the documented unknown-outcome window (docs/reliability.md, "What is not
        /// guaranteed"): the lead's sync state still holds an unconfirmed write to the side edited (its sync died, or could
        /// not read the outcome back), and the edit is one the engine must misjudge: the write had landed and the person
        /// set the side back to its value from before (taken for a write that never landed), or the write had not landed
        /// and the person set a new value (taken for a change made after a landed write) or the written value itself
        /// (taken for the landed write, so an edit of the other side since the claim is no conflict). Whether it landed is what the
        /// side showed just before the edit (the stage pair judged as one, like the engine). An edit of that field lost
        /// before the sides agree again is counted apart (<see cref="SoakReport.LostInUnknownOutcomeWindow"/>).
        /// </summary>
        private void NoteUnknownOutcomeWindow(LeadModel m, bool leadSide, int what, FieldValues before, FieldValues after)
        {
            var state = _services.GetRequiredService<ISyncStateStore>().GetAsync(m.LeadId).AsTask().GetAwaiter().GetResult();
            if (state is null)
            {
                return;
            }

            Field[] fields = what switch
            {
                0 => [Field.Amount],
                1 => [Field.CloseDate],
                _ => [Field.Lifecycle, Field.Status], // one CRM field holds both
            };
            var writes = fields
                .Select(f => (Field: f, Write: state.PendingChanges.LastOrDefault(p => p.Unconfirmed && p.Field == Wire(f) && !string.Equals(leadSide ? p.LeadValueBefore : p.CrmValueBefore, p.Value, StringComparison.Ordinal))))
                .Where(w => w.Write is not null)
                .ToList();
            if (writes.Count == 0)
            {
                return;
            }

            bool All(FieldValues values, Func<PendingChange, string?> expected) => writes.All(w => string.Equals(values[w.Field], expected(w.Write!), StringComparison.Ordinal));
            string? Prior(PendingChange p) => leadSide ? p.LeadValueBefore : p.CrmValueBefore;
            var landed = All(before, p => p.Value);
            var notLanded = All(before, Prior);
            var setBack = All(after, Prior);
            var setNew = !All(after, p => p.Value) && !setBack;
            // Not landed and set to the written value: the engine takes the write for landed, so the written value becomes
            // the agreed one, and an edit of the other side since the claim (before or after this one) is taken for that
            // side's change alone, not a conflict (seed 382018902, docs/reliability.md).
            var setWritten = !setBack && !setNew;
            var misjudged = (landed && setBack) || (notLanded && (setNew || setWritten));
            sim?.Trace?.Lead(m.LeadId, $"the {(leadSide ? "lead" : "CRM")} edit meets the unconfirmed write of {string.Join(", ", writes.Select(w => $"{w.Write!.Field}={w.Write.Value}"))}: it {(landed ? "had landed" : notLanded ? "had not landed" : "is not shown")}, the edit {(setBack ? "sets the value from before" : setNew ? "sets a new value" : "sets the written value")}{(misjudged ? ": in the unknown-outcome window" : string.Empty)}");
            if (misjudged)
            {
                foreach (var field in fields)
                {
                    m.EditedInUnknownOutcomeWindow.Add(field);
                }
            }
        }

        /// <summary>
        /// A side may change the stage unless both sides already changed it since they last agreed (then the outcome
        /// settles first); the second side of a conflict is allowed only sometimes.
        /// </summary>
        private bool CanEditStage(LeadModel m, bool lead)
        {
            if (m.StageFrozen)
            {
                return false;
            }

            var otherEdited = lead ? m.CrmStageEdited : m.LeadStageEdited;
            return !otherEdited || _random.NextDouble() < 0.3;
        }

        /// <summary>
        /// A new stage for one side that differs from its own and from what the other side shows (in the model and in
        /// fact). People never set the two sides to the same value between syncs: such an agreement is seen by a
        /// three-way merge only if it looks while it holds, so the outcome of a later change would depend on timing, not
        /// on the rules (see docs/reliability.md).
        /// </summary>
        private StagePair PickOther(StagePair current, params StagePair[] otherSide)
        {
            var choices = StagePair.Valid.Where(p => p != current && !otherSide.Contains(p)).ToList();
            return choices[_random.Next(choices.Count)];
        }

        /// <summary>A new value for one side that the other side does not show (see <see cref="PickOther"/>).</summary>
        private T PickNot<T>(Func<T> pick, Func<T, string?> format, params string?[] otherSide)
        {
            while (true)
            {
                var value = pick();
                if (!otherSide.Contains(format(value)))
                {
                    return value;
                }
            }
        }

        private string Pick(IReadOnlyList<string> values) => values[_random.Next(values.Count)];

        private decimal? AmountOrNone() => _random.NextDouble() < 0.05 ? null : Amount();

        private decimal Amount() => _random.Next(1_000, 2_000_000) + (_random.Next(100) / 100m);

        private DateOnly Date() => new DateOnly(2026, 1, 1).AddDays(_random.Next(720));

        /// <summary>Runs the round's workers (child processes), killing some at random points and restarting them, and expiring tokens on the way.</summary>
        private async Task SyncPhaseAsync(RoundCommands commands, int kills, CancellationToken cancellationToken)
        {
            // Summaries a killed worker may not have pushed (it stayed down) are asked for again: a push is idempotent.
            commands = commands with { Summaries = [.. _unpushed, .. commands.Summaries] };
            _unpushed.Clear();
            var roundPath = Path.Combine(work, $"round-{commands.Round}.json");
            commands.Save(roundPath);
            // Kills a chaos round did not reach move to the next chaos round, never into the quiescent final pass: a worker
            // killed there could leave activities unpulled after the leads settled (the deterministic soak found it).
            kills += commands.Final ? 0 : _killsOwed;
            _killsOwed = 0;

            var startCalls = world.TotalCalls;
            var expected = Math.Max(20, _callsPerRound);
            var killAt = Enumerable.Range(0, kills).Select(_ => (long)(1 + (_random.NextDouble() * expected * 0.9))).Order().ToList();
            var expiries = commands.Final || commands.Round == 0 ? [] : Enumerable.Range(0, options.TokenExpiriesPerRound).Select(_ => (long)(_random.NextDouble() * expected)).Order().ToList();
            if (sim is not null)
            {
                await SimulatedPhaseAsync(commands, killAt, expiries, startCalls);
            }
            else
            {
                await ProcessPhaseAsync(commands, roundPath, killAt, expiries, startCalls, cancellationToken);
            }

            _killsOwed = killAt.Count; // the round ended before these points: kill in a later round
            if (!commands.Final && commands.Round > 0)
            {
                _callsPerRound = (_callsPerRound + (world.TotalCalls - startCalls)) / 2;
            }
            else if (commands.Round == 0)
            {
                _callsPerRound = Math.Max(_callsPerRound, (world.TotalCalls - startCalls) / 2.0);
            }
        }

        /// <summary>The sync phase with worker processes: each round's workers start, some are killed (<see cref="Process.Kill(bool)"/>) and restarted.</summary>
        private async Task ProcessPhaseAsync(RoundCommands commands, string roundPath, List<long> killAt, List<long> expiries, long startCalls, CancellationToken cancellationToken)
        {
            var workers = Enumerable.Range(0, options.Workers).Select(p => StartWorker(commands.Round, p, roundPath)).ToList();
            var deadline = Stopwatch.StartNew();
            try
            {
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var calls = world.TotalCalls - startCalls;
                    while (expiries.Count > 0 && calls >= expiries[0])
                    {
                        expiries.RemoveAt(0);
                        world.ExpireTokens();
                    }

                    var alive = workers.Where(w => !w.HasExited).ToList();
                    if (killAt.Count > 0 && calls >= killAt[0] && alive.Count > 0)
                    {
                        killAt.RemoveAt(0);
                        var victim = alive[_random.Next(alive.Count)];
                        await victim.KillAsync();
                        _killedRuns.Add(victim.RunId);
                        report.Crashes++;
                        if (_random.NextDouble() < 0.5)
                        {
                            // Restarted at once; otherwise it stays down for the rest of the round while people keep editing.
                            workers[workers.IndexOf(victim)] = StartWorker(commands.Round, victim.Partition, roundPath);
                            victim.Dispose();
                        }
                        else
                        {
                            _unpushed.AddRange(commands.Summaries.Where((_, i) => i % options.Workers == victim.Partition));
                        }

                        continue;
                    }

                    foreach (var exited in workers.Where(w => w.HasExited && !w.Killed && w.ExitCode != 0).ToList())
                    {
                        report.Problems.Add($"worker {exited.RunId} (round {commands.Round}) exited with {exited.ExitCode}: {Tail(exited.Output)}");
                        workers.Remove(exited);
                        exited.Dispose();
                    }

                    if (workers.All(w => w.HasExited))
                    {
                        break;
                    }

                    if (deadline.Elapsed > TimeSpan.FromMinutes(commands.Final ? 30 : 10))
                    {
                        report.Problems.Add($"round {commands.Round}: workers still running after {deadline.Elapsed.TotalMinutes:0} min; killed");
                        foreach (var w in workers.Where(w => !w.HasExited))
                        {
                            await w.KillAsync();
                            _killedRuns.Add(w.RunId);
                        }

                        break;
                    }

                    await Task.Delay(5, cancellationToken);
                }
            }
            finally
            {
                foreach (var w in workers)
                {
                    w.Dispose();
                }
            }
        }

        private WorkerProcess StartWorker(int round, int partition, string roundPath)
        {
            _runs++;
            report.WorkerRuns++;
            return WorkerProcess.Start(_configPath, roundPath, journals, partition, options.Workers, $"run-{_runs:D5}-r{round}-p{partition}");
        }

        private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];

        /// <summary>Reads both sides of every lead and lets the model check what they agree on.</summary>
        private async Task ObserveAsync(int round, CancellationToken cancellationToken)
        {
            foreach (var m in _model)
            {
                var lead = await Leads.GetAsync(m.UserId, m.LeadId, cancellationToken) ?? throw new InvalidOperationException($"Lead {m.LeadId} is gone.");
                m.Observe(round, ValuesOf(lead), world.Read(m.Provider, m.CrmId), Rules, report.Violations);
            }
        }

        private async Task<int> UndeliveredNotesAsync(CancellationToken cancellationToken)
        {
            var states = await _services.GetRequiredService<ISyncStateStore>().GetManyAsync(_model.Select(m => m.LeadId).ToList(), cancellationToken);
            return states.Sum(s => s.Outbox.Count(o => o.Status != OutboxItemStatus.Done));
        }

        private bool Settled(LeadModel m)
        {
            var lead = Leads.GetAsync(m.UserId, m.LeadId).AsTask().GetAwaiter().GetResult()!;
            var values = ValuesOf(lead);
            var crm = world.Read(m.Provider, m.CrmId);
            return Enum.GetValues<Field>().All(f => values[f] == crm[f]);
        }

        private static FieldValues ValuesOf(LeadMemory lead)
            => FieldValues.Of(new StagePair(lead.LifecycleStage, lead.Status), lead.ExpectedValue, lead.ExpectedCloseDate);

        private async Task VerifyAsync(CancellationToken cancellationToken)
        {
            // 1. Convergence and the model.
            foreach (var m in _model)
            {
                var lead = (await Leads.GetAsync(m.UserId, m.LeadId, cancellationToken))!;
                var values = ValuesOf(lead);
                var crm = world.Read(m.Provider, m.CrmId);
                if (Enum.GetValues<Field>().Any(f => values[f] != crm[f] || values[f] != m.Agreed[f]))
                {
                    report.Unconverged++;
                    if (report.Unconverged <= 10)
                    {
                        report.Problems.Add($"{m.LeadId} did not converge: lead {values}, CRM {crm}, model {m.Expected(Rules)}");
                    }
                }

                var state = await _services.GetRequiredService<ISyncStateStore>().GetAsync(m.LeadId, cancellationToken);
                if (state is null || state.Status != SyncStatus.Synced || state.Outbox.Any(o => o.Status != OutboxItemStatus.Done))
                {
                    report.Problems.Add($"{m.LeadId} ends {state?.Status.ToString() ?? "without a state"} ({state?.ErrorMessage}; outbox {string.Join(", ", state?.Outbox.Select(o => o.Status) ?? [])})");
                }
            }

            // 2. Summaries: each exactly once, on its own record.
            foreach (var provider in new[] { CrmProvider.Salesforce, CrmProvider.HubSpot })
            {
                var found = world.NotesByToken(provider, text => SummaryToken().Match(text) is { Success: true } match ? match.Value : null);
                var expected = _model.Where(m => m.Provider == provider).SelectMany(m => m.Summaries.Select(t => (Token: t, m.CrmId))).ToList();
                foreach (var (token, crmId) in expected)
                {
                    var records = found.GetValueOrDefault(token) ?? [];
                    if (records.Count == 0)
                    {
                        report.LostNotes++;
                        report.Problems.Add($"summary {token} never reached the CRM");
                    }
                    else if (records.Count > 1)
                    {
                        report.DuplicatedNotes += records.Count - 1;
                        report.Problems.Add($"summary {token} is in the CRM {records.Count} times ({string.Join(", ", records)})");
                    }
                    else if (records[0] != crmId)
                    {
                        report.Problems.Add($"summary {token} is on {records[0]}, not {crmId}");
                    }
                }

                foreach (var token in found.Keys.Except(expected.Select(e => e.Token), StringComparer.Ordinal))
                {
                    report.Problems.Add($"the CRM holds a summary nobody pushed: {token}");
                }
            }

            // 3. Activities: each exactly once as a lead event; ARIA's own notes never come back.
            foreach (var m in _model)
            {
                var events = new List<LeadEvent>();
                await foreach (var e in Leads.GetEventsAsync(m.UserId, m.LeadId, cancellationToken))
                {
                    events.Add(e);
                }

                foreach (var group in events.Where(e => e.ExternalId is not null).GroupBy(e => (e.Source, e.ExternalId)).Where(g => g.Count() > 1))
                {
                    report.DuplicatedEvents += group.Count() - 1;
                    report.Problems.Add($"{m.LeadId}: activity {group.Key.ExternalId} is {group.Count()} lead events");
                }

                foreach (var activity in m.Activities.Where(a => !events.Any(e => e.ExternalId == a)))
                {
                    report.LostEvents++;
                    report.Problems.Add($"{m.LeadId}: activity {activity} never became a lead event");
                }

                foreach (var echo in events.Where(e => SummaryToken().IsMatch((e.Subject ?? string.Empty) + (e.Content ?? string.Empty))))
                {
                    report.Problems.Add($"{m.LeadId}: ARIA's own note came back as lead event {echo.Id}");
                }
            }

            // 4. The audit trail accounts for every failure and retry the workers saw, and every chain verifies.
            await VerifyAuditAsync(cancellationToken);
        }

        private async Task VerifyAuditAsync(CancellationToken cancellationToken)
        {
            var journal = new List<(string Run, int Line, int Lines, JournalEntry Entry)>();
            foreach (var file in Directory.GetFiles(journals, "run-*.jsonl"))
            {
                var run = Path.GetFileNameWithoutExtension(file);
                var entries = Journal.Read(file);
                journal.AddRange(entries.Select((e, i) => (run, i, entries.Count, e)));
                if (!_killedRuns.Contains(run) && !entries.Any(e => e.Kind == "done"))
                {
                    report.Problems.Add($"worker run {run} neither finished nor was killed");
                }
            }

            foreach (var crash in journal.Where(j => j.Entry.Kind == "crash"))
            {
                report.Problems.Add($"worker {crash.Run} crashed: {crash.Entry.Message}");
            }

            report.ConnectionSyncs = journal.Count(j => j.Entry.Kind == "call" && j.Entry.Operation?.StartsWith("sync_connection", StringComparison.Ordinal) == true);
            report.ManualSyncs = journal.Count(j => j.Entry.Kind == "result" && j.Entry.Operation == "manual_sync");
            report.RetriesCounted = journal.Count(j => j.Entry.Kind == "retry");
            report.FailuresRecorded = journal.Count(j => j.Entry.Kind == "failure");

            var audit = _services.GetRequiredService<ICrmAuditService>();
            var errors = new Dictionary<string, int>(StringComparer.Ordinal);
            var retries = new Dictionary<(string Lead, long Count), int>();
            var connectionErrors = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var user in _users)
            {
                await foreach (var entry in audit.StreamAuditLogAsync(new AuditQuery { UserId = user, Limit = null }, cancellationToken))
                {
                    report.AuditEntries++;
                    if (entry.Operation == CrmAuditOperation.Error)
                    {
                        if (entry.LeadMemoryId is { } lead)
                        {
                            errors[lead] = errors.GetValueOrDefault(lead) + 1;
                        }
                        else
                        {
                            connectionErrors[user] = connectionErrors.GetValueOrDefault(user) + 1;
                        }
                    }
                    else if (entry.Operation == CrmAuditOperation.Retry && entry.LeadMemoryId is { } lead
                        && entry.Details.TryGetProperty("automatic", out var automatic) && automatic.ValueKind == JsonValueKind.True
                        && entry.Details.TryGetProperty("retry_count", out var count) && count.TryGetInt64(out var k))
                    {
                        retries[(lead, k)] = retries.GetValueOrDefault((lead, k)) + 1;
                    }
                }

                var verification = await audit.VerifyAsync(user, cancellationToken: cancellationToken);
                if (verification.IsValid)
                {
                    report.ChainsVerified++;
                }
                else
                {
                    report.Problems.Add($"the audit chain of {user} does not verify: {verification.Kind} {verification.Message}");
                }

                if (_anchors.TryGetValue(user, out var anchor))
                {
                    var anchored = await audit.VerifyAsync(user, anchor.Head, cancellationToken);
                    if (anchored.IsValid && anchor.HasValidSignature(AnchorKey))
                    {
                        report.AnchorsVerified++;
                    }
                    else
                    {
                        report.Problems.Add($"the audit chain of {user} does not verify against the anchor exported mid-run: {anchored.Kind} {anchored.Message}");
                    }
                }
            }

            // A killed worker may have written a state and died before its audit entry: tolerated only at the end of a killed run.
            bool InCrashWindow((string Run, int Line, int Lines, JournalEntry Entry) j) => _killedRuns.Contains(j.Run) && j.Line >= j.Lines - 3;

            foreach (var lead in journal.Where(j => j.Entry.LeadId is not null && j.Entry.Kind is "failure" or "result").GroupBy(j => j.Entry.LeadId!))
            {
                var failures = lead.Where(j => j.Entry.Kind == "failure").ToList();
                var failedResults = lead.Count(j => j.Entry.Kind == "result" && !j.Entry.Success);
                var needed = Math.Max(failures.Count, failedResults);
                var have = errors.GetValueOrDefault(lead.Key);
                if (have < needed)
                {
                    var tolerated = failures.Count(InCrashWindow);
                    if (needed - have <= tolerated)
                    {
                        report.CrashWindowGaps += needed - have;
                    }
                    else
                    {
                        report.Problems.Add($"{lead.Key}: {needed} failures seen by workers, {have} error audit entries");
                    }
                }
            }

            foreach (var group in journal.Where(j => j.Entry.Kind == "retry").GroupBy(j => (j.Entry.LeadId!, (long)j.Entry.RetryCount)))
            {
                var have = retries.GetValueOrDefault(group.Key);
                if (have < group.Count())
                {
                    var tolerated = group.Count(InCrashWindow);
                    if (group.Count() - have <= tolerated)
                    {
                        report.CrashWindowGaps += group.Count() - have;
                    }
                    else
                    {
                        report.Problems.Add($"{group.Key.Item1}: retry #{group.Key.Item2} counted {group.Count()} times, {have} retry audit entries");
                    }
                }
            }

            var wholeCall = journal.Where(j => j.Entry.Kind == "call" && !j.Entry.Success && !IsLeaseOutcome(j.Entry.Message)).ToList();
            report.WholeCallFailures = wholeCall.Count;
            foreach (var user in wholeCall.GroupBy(j => j.Entry.UserId ?? "(none)"))
            {
                var connectionLevel = user.Count(j => j.Entry.Operation?.StartsWith("sync_connection", StringComparison.Ordinal) == true);
                if (connectionErrors.GetValueOrDefault(user.Key) < connectionLevel)
                {
                    report.Problems.Add($"{user.Key}: {connectionLevel} connection syncs failed, {connectionErrors.GetValueOrDefault(user.Key)} connection-level error audit entries ({string.Join("; ", user.Select(j => j.Entry.Message).Distinct().Take(5))})");
                }

                foreach (var other in user.Where(j => j.Entry.Operation?.StartsWith("sync_connection", StringComparison.Ordinal) != true).Take(5))
                {
                    report.Problems.Add($"{other.Entry.Operation} threw {other.Entry.Code}: {other.Entry.Message}");
                }
            }

            report.ApiCalls = world.Salesforce.Calls.ApiCalls + world.HubSpot.Calls.ApiCalls;
            report.HttpRequests = world.TotalCalls;
            report.TokenExpiries = world.TokenExpiries;
        }

        private static bool IsLeaseOutcome(string? reason)
            => reason is not null && (reason.StartsWith("Another worker", StringComparison.Ordinal) || reason.StartsWith("Lost the connection lease", StringComparison.Ordinal));

        private static string Wire(Field field) => field switch
        {
            Field.Lifecycle => LeadFields.LifecycleStage,
            Field.Status => LeadFields.Status,
            Field.Amount => LeadFields.ExpectedValue,
            _ => LeadFields.ExpectedCloseDate,
        };
    }
}
