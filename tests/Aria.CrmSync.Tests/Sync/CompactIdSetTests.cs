using Aria.CrmSync.Sync;

namespace Aria.CrmSync.Tests.Sync;

public sealed class CompactIdSetTests
{
    [Fact]
    public void HoldsWhatAnOrdinalHashSetHolds_InTheOrderAdded()
    {
        var random = new Random(17);
        var set = new CompactIdSet();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < 50_000; i++)
        {
            // Lead and CRM ids, repeats, ids differing only in case, and ids of every length up to a few hundred.
            var id = (i % 5) switch
            {
                0 => $"lead-{random.Next(30_000):D6}",
                1 => $"006Dn00000{random.Next(100_000):D5}AAA",
                2 => $"006dn00000{random.Next(100_000):D5}aaa",
                3 => new string('x', random.Next(0, 400)),
                _ => Guid.NewGuid().ToString(),
            };
            var added = expected.Add(id);
            if (added)
            {
                order.Add(id);
            }

            Assert.Equal(added, set.Add(id));
        }

        Assert.Equal(expected.Count, set.Count);
        Assert.Equal(order, set.ToList());
        foreach (var id in order)
        {
            Assert.True(set.Contains(id));
        }

        Assert.False(set.Contains("lead-999999"));
        Assert.False(set.Contains("LEAD-000001"));
    }

    [Fact]
    public void TextBeyondAsciiIsKeptExactly_AndNeverEqualsAsciiWithTheSameBytes()
    {
        var set = new CompactIdSet();
        var ids = new[]
        {
            "ab",
            "\u6261", // one character whose UTF-16 bytes are those of "ab"
            "lead-é",
            "lead-e\u0301", // the same text decomposed: ordinal, so another id
            "\ud800x", // a lone surrogate survives the round trip
            "日本語の商談",
            string.Empty,
            new string('é', 70_000), // longer than a chunk
            "after the long one",
        };

        foreach (var id in ids)
        {
            Assert.True(set.Add(id));
        }

        foreach (var id in ids)
        {
            Assert.False(set.Add(id));
            Assert.True(set.Contains(id));
        }

        Assert.Equal(ids, set.ToList());
        Assert.False(set.Contains("\ud801x"));
        Assert.False(set.Contains("ba"));
    }

    [Fact]
    public void AListOfIdsKeepsEveryIdAdded_RepeatsIncluded_InOrder()
    {
        var ids = new CompactIds();
        var expected = new List<string>();
        for (var i = 0; i < 20_000; i++)
        {
            var id = i % 7 == 0 ? "006Dn000001AbCdEAA" : i % 11 == 0 ? $"opportunité-{i}" : $"006Dn00000{i:D5}AAA";
            ids.Add(id);
            expected.Add(id);
        }

        ids.Add(new string('z', 200_000)); // a length that takes three bytes to write
        expected.Add(new string('z', 200_000));
        Assert.Equal(expected.Count, ids.Count);
        Assert.Equal(expected, ids.ToList());
    }

    [Fact]
    public void AnEmptySetContainsNothing()
    {
        var set = new CompactIdSet();
        Assert.False(set.Contains("lead-000001"));
        Assert.False(set.Contains(string.Empty));
        Assert.Empty(set);
    }
}
