using ReadmeSamples;

namespace Aria.CrmSync.Tests.Documentation;

/// <summary>The README's Quick start runs as written, and the README shows exactly the code that runs.</summary>
public sealed class ReadmeQuickStartTests
{
    private const string SourceFile = "Documentation/ReadmeQuickStart.cs";

    [Fact]
    public async Task Quick_start_links_syncs_pushes_and_verifies_against_the_emulator()
    {
        using var output = new StringWriter();

        await ReadmeQuickStart.RunAsync(output);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal("sync: Conflict, conflicts: expected_value", lines[0]);
        Assert.Equal("resolved: Synced, CRM amount 1000", lines[1]); // ARIA's value reached the emulated Opportunity
        Assert.Equal("audit: 0 errors, chain valid True", lines[2]);
        const string exported = "audit exported to ";
        Assert.StartsWith(exported, lines[3], StringComparison.Ordinal);
        var csv = lines[3][exported.Length..];
        try
        {
            var rows = File.ReadAllLines(csv);
            Assert.Equal("id,user_id,lead_memory_id,operation,provider,success,details,error_message,created_at", rows[0]);
            Assert.All(rows.Skip(1), r => Assert.Contains(",user-123,", r, StringComparison.Ordinal));
            Assert.True(rows.Length >= 4, $"expected the link, sync, resolution and summary entries, got {rows.Length - 1}");
        }
        finally
        {
            File.Delete(csv);
        }
    }

    [Fact]
    public void Readme_csharp_block_is_the_code_the_test_compiles()
    {
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Documentation", "README.md")).ReplaceLineEndings("\n");
        var source = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, SourceFile)).ReplaceLineEndings("\n");

        var block = ExtractReadmeBlock(readme);
        var expected = Dedent(Between(source, "// <readme-usings>\n", "// </readme-usings>\n")) + "\n"
            + Dedent(Between(source, "// <readme-body>\n", "// </readme-body>\n"));

        Assert.Equal(expected, block);
    }

    private static string ExtractReadmeBlock(string readme)
    {
        var quickStart = readme.IndexOf("\n## Quick start\n", StringComparison.Ordinal);
        Assert.True(quickStart >= 0, "README has no '## Quick start' section");
        var open = readme.IndexOf("```csharp\n", quickStart, StringComparison.Ordinal);
        Assert.True(open >= 0, "the Quick start has no ```csharp block");
        open += "```csharp\n".Length;
        var close = readme.IndexOf("\n```\n", open, StringComparison.Ordinal);
        Assert.True(close >= 0, "the Quick start's ```csharp block is not closed");
        return readme[open..(close + 1)];
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"{SourceFile} lacks the marker {start.Trim()}");
        from = text.IndexOf('\n', from) + 1;
        var to = text.IndexOf(end, from, StringComparison.Ordinal);
        Assert.True(to >= 0, $"{SourceFile} lacks the marker {end.Trim()}");
        to = text.LastIndexOf('\n', to - 1) + 1;
        return text[from..to];
    }

    /// <summary>Removes the indentation the wrapping class adds (dotnet format keeps the body indented in the source).</summary>
    private static string Dedent(string text)
    {
        var lines = text.Split('\n');
        var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart(' ').Length);
        return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart(' ')));
    }
}
