namespace Aria.CrmSync.Storage.Tests.CrashWriter;

/// <summary>
/// Entry point of the test assembly when it runs as a child process (<c>dotnet Aria.CrmSync.Storage.Tests.dll crash-writer ...</c>);
/// the test host never calls it.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == CrashWriterProcess.Verb)
        {
            return await CrashWriterProcess.RunChildAsync(args[1..]);
        }

        await Console.Error.WriteLineAsync($"usage: {CrashWriterProcess.Verb} <sqlite|postgres> <connection string> <schema> <hang at batch>");
        return 2;
    }
}
