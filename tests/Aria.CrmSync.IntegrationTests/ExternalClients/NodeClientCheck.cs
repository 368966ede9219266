using System.Diagnostics;
using System.Text.Json;

namespace Aria.CrmSync.IntegrationTests.ExternalClients;

/// <summary>
/// A fact that runs only when an environment variable names a folder where a Node package was installed
/// (<c>{folder}/node_modules/{package}</c>); otherwise it is reported skipped — except under CI (<c>CI=true</c>),
/// where the check must run: a missing client then fails the test with the reason instead of skipping it.
/// </summary>
public abstract class NodePackageFactAttribute : FactAttribute
{
    protected NodePackageFactAttribute(string variable, string package)
    {
        if (NodeClientCheck.MissingReason(variable, package) is { } reason && !NodeClientCheck.IsCi)
        {
            Skip = reason;
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

/// <summary>
/// Runs a check script (copied next to the tests) with Node against an emulator described by a JSON info file. The
/// Node binary is <c>ARIA_NODE</c> when set (CI installs a pinned Node from npm and points it there), else <c>node</c>
/// on the PATH.
/// </summary>
internal static class NodeClientCheck
{
    /// <summary>Gets whether the tests run under CI (<c>CI=true</c>), where external-client checks must not be skipped.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets the Node binary: <c>ARIA_NODE</c>, or <c>node</c> on the PATH.</summary>
    public static string NodeBinary => Environment.GetEnvironmentVariable("ARIA_NODE") is { Length: > 0 } node ? node : "node";

    /// <summary>Why the package (or, without one, the folder's <c>node_modules</c>) cannot be used, or <see langword="null"/> when it is set up.</summary>
    public static string? MissingReason(string variable, string? package)
    {
        var dir = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(dir) || !Directory.Exists(Path.Combine(dir, "node_modules", package ?? string.Empty)))
        {
            return $"Set {variable} to a folder where 'npm install {package ?? "the client"}' was run.";
        }

        if (Environment.GetEnvironmentVariable("ARIA_NODE") is { Length: > 0 } node && !File.Exists(node))
        {
            return $"ARIA_NODE names '{node}', which does not exist.";
        }

        return null;
    }

    /// <summary>
    /// Writes <paramref name="info"/> to a temporary JSON file, runs <c>node {script} {file}</c> with <c>NODE_PATH</c> set to
    /// the <c>node_modules</c> of the folder named by <paramref name="variable"/>, and returns its exit code and output.
    /// </summary>
    public static async Task<NodeClientRun> RunAsync(string variable, string script, object info, TimeSpan? timeout = null)
    {
        if (MissingReason(variable, package: null) is { } missing)
        {
            throw new InvalidOperationException($"The external-client check cannot run ({(IsCi ? "CI=true: it must" : "it should have been skipped")}): {missing}");
        }

        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(info));
            var start = new ProcessStartInfo(NodeBinary, [Path.Combine(AppContext.BaseDirectory, script), file])
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
