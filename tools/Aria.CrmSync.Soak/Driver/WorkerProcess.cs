using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Aria.CrmSync.Soak.Driver;

/// <summary>A sync worker running as a child process (<c>dotnet Aria.CrmSync.Soak.dll worker ...</c>), killable at any point.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(Process process, int partition, string runId, string journalPath)
    {
        _process = process;
        Partition = partition;
        RunId = runId;
        JournalPath = journalPath;
    }

    public int Partition { get; }

    public string RunId { get; }

    public string JournalPath { get; }

    public bool Killed { get; private set; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static WorkerProcess Start(string configPath, string roundPath, string journalDirectory, int partition, int partitions, string runId)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { typeof(WorkerProcess).Assembly.Location, "worker", configPath, roundPath, partition.ToString(CultureInfo.InvariantCulture), partitions.ToString(CultureInfo.InvariantCulture), runId })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_gcServer"] = "0";
        var process = new Process { StartInfo = start };
        var worker = new WorkerProcess(process, partition, runId, Path.Combine(journalDirectory, runId + ".jsonl"));
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Kills the process (SIGKILL, with its children): no finally blocks, no lease release, no clean close.</summary>
    public async Task KillAsync()
    {
        Killed = true;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }

        await _process.WaitForExitAsync();
    }

    public Task WaitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    public void Dispose() => _process.Dispose();

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 200_000)
            {
                _output.AppendLine(line);
            }
        }
    }
}
