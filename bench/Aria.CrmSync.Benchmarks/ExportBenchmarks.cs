using Aria.CrmSync.Auditing;
using BenchmarkDotNet.Attributes;

namespace Aria.CrmSync.Benchmarks;

/// <summary>Streaming export of 1,000,000 entries (target: &lt; 50 MB extra memory; see also <c>-- memory</c>).</summary>
[MemoryDiagnoser]
public class ExportBenchmarks
{
    private CrmAuditService _audit = null!;

    [Params(1_000_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public async Task SetupAsync() => (_audit, _) = await BenchData.FilledAuditAsync(Entries);

    [Benchmark(Baseline = true)]
    public async Task<long> ExportCsv() => (await _audit.ExportAuditLogAsync(new AuditExportRequest { UserId = "user-1", Format = AuditExportFormat.Csv }, Stream.Null)).EntriesWritten;

    [Benchmark]
    public async Task<long> ExportJson() => (await _audit.ExportAuditLogAsync(new AuditExportRequest { UserId = "user-1", Format = AuditExportFormat.Json }, Stream.Null)).EntriesWritten;
}
