using System.Globalization;
using System.Reflection;

namespace Aria.CrmSync.Storage;

/// <summary>A versioned schema migration shipped as an embedded resource named <c>NNNN_description.sql</c>.</summary>
/// <param name="Version">The version (the file name's number), 1, 2, 3… without gaps.</param>
/// <param name="Name">The file name without extension, for example <c>0001_initial</c>.</param>
/// <param name="Sql">The script.</param>
internal sealed record MigrationScript(int Version, string Name, string Sql)
{
    /// <summary>Loads the scripts embedded in <paramref name="assembly"/> under <paramref name="resourcePrefix"/>, in version order.</summary>
    /// <exception cref="InvalidOperationException">The versions are not 1..n (a packaging error).</exception>
    public static IReadOnlyList<MigrationScript> Load(Assembly assembly, string resourcePrefix)
    {
        var scripts = new List<MigrationScript>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(resourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[resourcePrefix.Length..^".sql".Length];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            scripts.Add(new MigrationScript(int.Parse(name.AsSpan(0, 4), CultureInfo.InvariantCulture), name, reader.ReadToEnd()));
        }

        scripts.Sort(static (a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < scripts.Count; i++)
        {
            if (scripts[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migration scripts under '{resourcePrefix}' must be numbered 1..n without gaps; found {scripts[i].Name} at position {i + 1}.");
            }
        }

        return scripts.Count > 0 ? scripts : throw new InvalidOperationException($"No migration scripts found under '{resourcePrefix}'.");
    }
}
