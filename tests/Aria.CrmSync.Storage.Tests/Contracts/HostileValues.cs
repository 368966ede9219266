namespace Aria.CrmSync.Storage.Tests.Contracts;

/// <summary>
/// The hostile-value corpus the store contracts run: each value either round-trips exactly in every store or is refused
/// with a <see cref="CrmSyncValidationException"/> by every store — never a driver exception, never a stuck store.
/// </summary>
public static class HostileValues
{
    public static readonly string OneMebibyte = new('x', 1 << 20);

    /// <summary>
    /// Names of text values (subjects, bodies, company names, error messages) and whether every store must accept them.
    /// Values are looked up by name (<see cref="Text"/>): xunit's serialization of theory data would turn a lone
    /// surrogate into U+FFFD before the test saw it.
    /// </summary>
    public static TheoryData<string, bool> Texts
    {
        get
        {
            var data = new TheoryData<string, bool>();
            foreach (var (name, (_, storable)) in TextCorpus)
            {
                data.Add(name, storable);
            }

            return data;
        }
    }

    /// <summary>Names of ids every store must refuse (values by <see cref="Id"/>).</summary>
    public static TheoryData<string> BadIds
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in BadIdCorpus.Keys)
            {
                data.Add(name);
            }

            return data;
        }
    }

    public static string Text(string name) => TextCorpus[name].Value;

    public static string Id(string name) => BadIdCorpus[name];

    private static readonly Dictionary<string, (string Value, bool Storable)> TextCorpus = new()
    {
        ["nul"] = ("before\0after", false),
        ["only-nul"] = ("\0", false),
        ["lone-high-surrogate"] = ("a\ud800b", false),
        ["lone-low-surrogate"] = ("\udc00", false),
        ["reversed-surrogates"] = ("\udc00\ud800", false),
        ["over-1-mib"] = (OneMebibyte + "y", false),
        ["1-mib"] = (OneMebibyte, true),
        ["bidi-override"] = ("invoice \u202Egnp.exe", true),
        ["bidi-isolates"] = ("\u2066abc\u2069 \u200F", true),
        ["c0-controls"] = ("\u0001\u0007\u001b[31mred\t\r\n", true),
        ["non-bmp"] = ("𝄞😀 \U0010FFFD", true),
        ["noncharacters"] = ("\uFFFE\uFFFF\uFDD0", true),
        ["symbol-for-null"] = ("\u2400", true),
        ["sql-and-json-metacharacters"] = ("'; DROP TABLE x; -- \\\" \\u0000 {\"a\":1}", true),
    };

    private static readonly Dictionary<string, string> BadIdCorpus = new()
    {
        ["blank"] = "   ",
        ["tab"] = "a\tb",
        ["newline"] = "a\nb",
        ["nul"] = "a\0b",
        ["lone-surrogate"] = "a\ud800",
        ["bidi-override"] = "user\u202E1",
        ["257-chars"] = new string('i', 257),
        ["10-mib"] = new string('i', 10 << 20),
    };

    /// <summary>The longest id every store accepts.</summary>
    public static string LongestId => new('i', 256);
}
