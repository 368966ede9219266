using System.Diagnostics;
using System.Text.Json;

namespace Aria.CrmSync.IntegrationTests.ExternalClients;

/// <summary>
/// A fact that runs only when an environment variable names a folder where a Node package was installed
/// (<c>{folder}/node_modules/{package}</c>); otherwise it is reported skipped.
/// </summary>
public abstract class NodePackageFactAttribute : FactAttribute
{
    protected NodePackageFactAttribute(string variable, string package)
    {
        var dir = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(dir) || !Directory.Exists(Path.Combine(dir, "node_modules", package)))
        {
            Skip = $"Set {variable} to a folder where 'npm install {package}' was run.";
        }
    }
}

/// <summary>The outcome of a Node check script.</summary>
/// <param name="ExitCode">The script's exit code.</param>
/// <param name="Output">What it printed to stdout.</param>
/// <param name="Errors">What it printed to stderr.</param>
internal sealed record NodeClientRun(int ExitCode, string Output, string Errors)
{
    public override string ToString() => $"exit {ExitCode}\n{Output}\n{Errors}";
}

/// <summary>Runs a check script (copied next to the tests) with <c>node</c> against an emulator described by a JSON info file.</summary>
internal static class NodeClientCheck
{
    /// <summary>
    /// Writes <paramref name="info"/> to a temporary JSON file, runs <c>node {script} {file}</c> with <c>NODE_PATH</c> set to
    /// the <c>node_modules</c> of the folder named by <paramref name="variable"/>, and returns its exit code and output.
    /// </summary>
    public static async Task<NodeClientRun> RunAsync(string variable, string script, object info, TimeSpan? timeout = null)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(info));
            var start = new ProcessStartInfo("node", [Path.Combine(AppContext.BaseDirectory, script), file])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["NODE_PATH"] = Path.Combine(Environment.GetEnvironmentVariable(variable)!, "node_modules");
            using var process = Process.Start(start)!;
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
            var output = process.StandardOutput.ReadToEndAsync(cts.Token);
            var errors = process.StandardError.ReadToEndAsync(cts.Token);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{script} did not finish in time.");
            }

            return new NodeClientRun(process.ExitCode, await output, await errors);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
