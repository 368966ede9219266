using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Aria.CrmSync.Benchmarks.Fleet;

/// <summary>One journal line of a worker: what happened, when (Unix ms), to which connection.</summary>
internal sealed record JournalEntry(string Process, string Kind, long At, string UserId, string Provider, string Value);

/// <summary>A fleet worker as a child process (<c>dotnet Aria.CrmSync.Benchmarks.dll fleet-worker …</c>): stopped cleanly by closing its input, or killed.</summary>
internal sealed class FleetProcess
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();

    private FleetProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public ConcurrentQueue<JournalEntry> Journal { get; } = new();

    public bool HasExited => _process.HasExited;

    public TimeSpan ProcessorTime { get; private set; }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public static FleetProcess Start(string configPath, string name)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { typeof(FleetProcess).Assembly.Location, "fleet-worker", configPath, name })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_gcServer"] = "0";
        var process = new Process { StartInfo = start };
        var worker = new FleetProcess(process, name);
        process.OutputDataReceived += (_, e) => worker.Read(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Error(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL: no lease is released, nothing is flushed.</summary>
    public void Kill()
    {
        ProcessorTime = _process.TotalProcessorTime;
        _process.Kill(entireProcessTree: true);
    }

    /// <summary>A clean stop: the worker releases its leases and exits.</summary>
    public async Task StopAsync()
    {
        ProcessorTime = _process.TotalProcessorTime;
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>The dotnet host running this process (children start the benchmark assembly with it).</summary>
    internal static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        var parts = line.Split('|');
        if (parts.Length >= 3 && parts[0] == "J")
        {
            var at = long.Parse(parts[2], CultureInfo.InvariantCulture);
            Journal.Enqueue(new JournalEntry(Name, parts[1], at, parts.ElementAtOrDefault(3) ?? string.Empty, parts.ElementAtOrDefault(4) ?? string.Empty, parts.ElementAtOrDefault(5) ?? string.Empty));
        }
        else
        {
            Error(line);
        }
    }

    private void Error(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_errors)
        {
            if (_errors.Length < 20_000)
            {
                _errors.AppendLine(Name + ": " + line);
            }
        }
    }
}
