using BenchmarkDotNet.Running;

namespace Aria.CrmSync.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Aria.CrmSync.Benchmarks -- --filter *</c> runs the BenchmarkDotNet suites;
/// <c>-- memory</c> measures the peak extra memory of a 1,000,000-entry export.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "memory")
        {
            return await ExportMemoryProbe.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
