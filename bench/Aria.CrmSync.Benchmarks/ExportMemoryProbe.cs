using System.Diagnostics;

namespace Aria.CrmSync.Benchmarks;

/// <summary>Measures the peak extra managed memory of exporting N entries (sampled while the export streams).</summary>
internal static class ExportMemoryProbe
{
    public static async Task<int> RunAsync(int entries)
    {
        var (audit, _) = await BenchData.FilledAuditAsync(entries);
        foreach (var format in new[] { AuditExportFormat.Csv, AuditExportFormat.Json })
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            var baseline = GC.GetTotalMemory(forceFullCollection: true);
            long peak = baseline;
            using var cts = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!cts.IsCancellationRequested)
                {
                    peak = Math.Max(peak, GC.GetTotalMemory(false));
                    await Task.Delay(1).ConfigureAwait(false);
                }
            });

            var stopwatch = Stopwatch.StartNew();
            var counting = new CountingStream();
            var result = await audit.ExportAuditLogAsync(new AuditExportRequest { UserId = "user-1", Format = format }, counting);
            stopwatch.Stop();
            await cts.CancelAsync();
            await sampler;
            Console.WriteLine($"{format}: {result.EntriesWritten:N0} entries, {counting.Length / 1024.0 / 1024.0:N1} MB written in {stopwatch.Elapsed.TotalSeconds:N2} s; peak extra managed memory {(peak - baseline) / 1024.0 / 1024.0:N1} MB");
        }

        return 0;
    }

    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
