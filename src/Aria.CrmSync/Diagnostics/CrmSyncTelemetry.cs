using System.Diagnostics;
using System.Diagnostics.Metrics;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Diagnostics;

/// <summary>
/// The library's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <c>Aria.CrmSync</c>. Tags carry
/// provider, operation and outcome only: never tokens, never lead contents.
/// </summary>
public sealed class CrmSyncTelemetry : IDisposable
{
    /// <summary>The name of the activity source and meter.</summary>
    public const string Name = "Aria.CrmSync";

    private static readonly ActivitySource Source = new(Name, typeof(CrmSyncTelemetry).Assembly.GetName().Version?.ToString());

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _operations;
    private readonly Counter<long> _conflicts;
    private readonly Counter<long> _auditEntries;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _crmCalls;
    private readonly Histogram<double> _duration;

    /// <summary>Initializes a new instance of the <see cref="CrmSyncTelemetry"/> class.</summary>
    /// <param name="meterFactory">The host's meter factory; a private meter is created when <see langword="null"/>.</param>
    public CrmSyncTelemetry(IMeterFactory? meterFactory = null)
    {
        if (meterFactory is null)
        {
            _meter = new Meter(Name);
            _ownsMeter = true;
        }
        else
        {
            _meter = meterFactory.Create(Name);
        }

        _operations = _meter.CreateCounter<long>("aria.crmsync.operations", "{operation}", "Sync operations by provider, operation and outcome.");
        _conflicts = _meter.CreateCounter<long>("aria.crmsync.conflicts", "{conflict}", "Field conflicts by provider and resolution.");
        _auditEntries = _meter.CreateCounter<long>("aria.crmsync.audit.entries", "{entry}", "Audit entries written.");
        _retries = _meter.CreateCounter<long>("aria.crmsync.retries", "{retry}", "Automatic retries scheduled.");
        _crmCalls = _meter.CreateCounter<long>("aria.crmsync.crm.calls", "{call}", "HTTP calls made to CRMs.");
        _duration = _meter.CreateHistogram<double>("aria.crmsync.operation.duration", "s", "Duration of sync operations.");
    }

    /// <summary>Starts an activity (null when nobody listens).</summary>
    /// <param name="name">The operation name, e.g. <c>sync.pull</c>.</param>
    /// <param name="provider">The CRM, if any.</param>
    /// <param name="leadMemoryId">The lead, if any.</param>
    /// <returns>The activity, or <see langword="null"/>.</returns>
    public Activity? StartActivity(string name, CrmProvider? provider = null, string? leadMemoryId = null)
    {
        var activity = Source.StartActivity(name, ActivityKind.Internal);
        if (activity is not null)
        {
            if (provider is { } p)
            {
                activity.SetTag("crm.provider", WireValue.Format(p));
            }

            if (leadMemoryId is not null)
            {
                activity.SetTag("aria.lead_memory_id", leadMemoryId);
            }
        }

        return activity;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal void OperationCompleted(string operation, CrmProvider provider, bool success, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { "crm.provider", WireValue.Format(provider) },
            { "aria.operation", operation },
            { "aria.outcome", success ? "success" : "failure" },
        };
        _operations.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }

    internal void ConflictDetected(CrmProvider provider, ConflictResolution resolution)
        => _conflicts.Add(1, new TagList { { "crm.provider", WireValue.Format(provider) }, { "aria.resolution", WireValue.Format(resolution) } });

    internal void AuditEntryWritten(CrmAuditOperation operation, CrmProvider provider, bool success)
        => _auditEntries.Add(1, new TagList { { "aria.audit.operation", WireValue.Format(operation) }, { "crm.provider", WireValue.Format(provider) }, { "aria.outcome", success ? "success" : "failure" } });

    internal void RetryScheduled(CrmProvider? provider)
        => _retries.Add(1, new TagList { { "crm.provider", provider is { } p ? WireValue.Format(p) : "unknown" } });

    internal void CrmCall(CrmProvider provider, string endpoint, int statusCode)
        => _crmCalls.Add(1, new TagList { { "crm.provider", WireValue.Format(provider) }, { "crm.endpoint", endpoint }, { "http.response.status_code", statusCode } });
}
