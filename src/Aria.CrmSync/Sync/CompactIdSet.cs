using System.Buffers;
using System.Collections;
using System.Runtime.InteropServices;

namespace Aria.CrmSync.Sync;

/// <summary>
/// Ids (ordinal) held compactly for the length of a connection run, in the order added: each id's characters are
/// copied into shared chunks of bytes — one byte a character when every character is ASCII, as lead and CRM ids are,
/// two otherwise — behind a one- or two-byte length, instead of a string object each (a string costs 22–26 bytes of
/// header and padding besides its two bytes a character, and a list or set entry besides). A run remembers tens of
/// thousands of ids (the leads it compared, the leads with queued notes); held as strings they grew with the
/// connection. Enumerates the ids in the order they were added, each as a new string.
/// </summary>
internal class CompactIds : IReadOnlyCollection<string>
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;
    private const int StackLimit = 256;

    private readonly List<byte[]> _chunks = [];
    private readonly List<int> _ends = []; // how many bytes of each chunk are used

    /// <inheritdoc/>
    public int Count { get; private set; }

    /// <summary>Appends <paramref name="id"/> (a list: an id added twice is there twice).</summary>
    public void Add(string id) => With(id, this, static (self, bytes, ascii) => self.Append(bytes, ascii));

    /// <inheritdoc/>
    public IEnumerator<string> GetEnumerator()
    {
        for (var chunk = 0; chunk < _chunks.Count; chunk++)
        {
            for (var offset = 0; offset < _ends[chunk];)
            {
                yield return Decode(chunk, offset, out offset);
            }
        }
    }

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private string Decode(int chunk, int offset, out int next)
    {
        var bytes = Read(chunk, offset, out var ascii, out next);
        return ascii ? System.Text.Encoding.ASCII.GetString(bytes) : new string(MemoryMarshal.Cast<byte, char>(bytes));
    }

    /// <summary>Runs <paramref name="use"/> on <paramref name="id"/>'s bytes (on the stack when short) and whether they are one a character.</summary>
    protected static TResult With<TState, TResult>(string id, TState state, Func<TState, ReadOnlySpan<byte>, bool, TResult> use)
    {
        ArgumentNullException.ThrowIfNull(id);
        var ascii = System.Text.Ascii.IsValid(id);
        var size = ascii ? id.Length : id.Length * 2;
        byte[]? rented = null;
        var bytes = size <= StackLimit ? stackalloc byte[size] : (rented = ArrayPool<byte>.Shared.Rent(size)).AsSpan(0, size);
        try
        {
            if (ascii)
            {
                System.Text.Encoding.ASCII.GetBytes(id, bytes);
            }
            else
            {
                MemoryMarshal.AsBytes(id.AsSpan()).CopyTo(bytes);
            }

            return use(state, bytes, ascii);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The bytes of the id stored at <paramref name="position"/> (see <see cref="Append"/>).</summary>
    protected ReadOnlySpan<byte> At(int position, out bool ascii)
    {
        return Read(position >> ChunkBits, position & (ChunkSize - 1), out ascii, out _);
    }

    /// <summary>Stores an id's bytes behind their length (a new chunk when they do not fit; an id longer than a chunk gets its own); returns where.</summary>
    protected int Append(ReadOnlySpan<byte> bytes, bool ascii)
    {
        var header = ((ulong)bytes.Length << 1) | (ascii ? 0UL : 1UL);
        var headerSize = 1;
        for (var rest = header >> 7; rest > 0; rest >>= 7)
        {
            headerSize++;
        }

        var needed = headerSize + bytes.Length;
        if (_chunks.Count == 0 || needed > _chunks[^1].Length - _ends[^1])
        {
            if (_chunks.Count >= 1 << (31 - ChunkBits))
            {
                throw new InvalidOperationException("Too many ids for one connection run.");
            }

            _chunks.Add(new byte[Math.Max(ChunkSize, needed)]);
            _ends.Add(0);
        }

        var chunk = _chunks.Count - 1;
        var offset = _ends[chunk];
        var target = _chunks[chunk].AsSpan(offset);
        var at = 0;
        for (var value = header; ; value >>= 7)
        {
            target[at++] = (byte)((value & 0x7F) | (value > 0x7F ? 0x80UL : 0UL));
            if (value <= 0x7F)
            {
                break;
            }
        }

        bytes.CopyTo(target[at..]);
        _ends[chunk] = offset + needed;
        Count++;
        return (chunk << ChunkBits) | offset;
    }

    private ReadOnlySpan<byte> Read(int chunk, int offset, out bool ascii, out int next)
    {
        var data = _chunks[chunk];
        ulong header = 0;
        var shift = 0;
        byte b;
        do
        {
            b = data[offset++];
            header |= (ulong)(b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);

        var length = (int)(header >> 1);
        ascii = (header & 1) == 0;
        next = offset + length;
        return data.AsSpan(offset, length);
    }
}

/// <summary>A set of ids held as <see cref="CompactIds"/> are, with an open-addressing index of where each is stored.</summary>
internal sealed class CompactIdSet : CompactIds
{
    private int[] _slots = []; // 1 + where an id is stored; 0: empty (linear probing, at most half full)

    /// <summary>Adds <paramref name="id"/>; <see langword="false"/> when it is in the set already.</summary>
    public new bool Add(string id) => With(id, this, static (self, bytes, ascii) => self.Add(bytes, ascii));

    /// <summary>Whether <paramref name="id"/> is in the set.</summary>
    public bool Contains(string id) => Count > 0 && With(id, this, static (self, bytes, ascii) => self.Find(bytes, ascii, Hash(bytes, ascii)) >= 0);

    private static int Hash(ReadOnlySpan<byte> bytes, bool ascii)
    {
        var hash = default(HashCode);
        hash.AddBytes(bytes);
        hash.Add(ascii);
        return hash.ToHashCode();
    }

    private bool Add(ReadOnlySpan<byte> bytes, bool ascii)
    {
        var hash = Hash(bytes, ascii);
        if (Find(bytes, ascii, hash) >= 0)
        {
            return false;
        }

        if ((Count + 1) * 2 > _slots.Length)
        {
            Grow();
        }

        _slots[FreeSlot(hash)] = Append(bytes, ascii) + 1;
        return true;
    }

    private int Find(ReadOnlySpan<byte> bytes, bool ascii, int hash)
    {
        if (_slots.Length == 0)
        {
            return -1;
        }

        for (var slot = Slot(hash); _slots[slot] != 0; slot = (slot + 1) & (_slots.Length - 1))
        {
            var stored = At(_slots[slot] - 1, out var storedAscii);
            if (storedAscii == ascii && stored.SequenceEqual(bytes))
            {
                return slot;
            }
        }

        return -1;
    }

    private int Slot(int hash) => (int)((uint)hash & (uint)(_slots.Length - 1));

    private int FreeSlot(int hash)
    {
        var slot = Slot(hash);
        while (_slots[slot] != 0)
        {
            slot = (slot + 1) & (_slots.Length - 1);
        }

        return slot;
    }

    private void Grow()
    {
        var old = _slots;
        _slots = new int[Math.Max(32, old.Length * 2)];
        foreach (var position in old)
        {
            if (position != 0)
            {
                var stored = At(position - 1, out var ascii);
                _slots[FreeSlot(Hash(stored, ascii))] = position;
            }
        }
    }
}
