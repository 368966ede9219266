using System.Buffers;
using System.Collections;
using System.Runtime.InteropServices;

namespace Aria.CrmSync.Sync;

/// <summary>
/// A set of ids (ordinal) held compactly for the length of a connection run: each id's characters are copied into
/// shared chunks of bytes — one byte a character when every character is ASCII, as lead and CRM ids are, two otherwise —
/// instead of a string object each (a string costs 22–26 bytes of header and padding besides its two bytes a character).
/// A run remembers tens of thousands of ids (the leads it compared, the leads with queued notes); held as strings they
/// grew with the connection. Enumerates the ids in the order they were added, each as a new string.
/// </summary>
internal sealed class CompactIdSet : IReadOnlyCollection<string>
{
    private const int ChunkSize = 1 << 16;
    private const int StackLimit = 256;

    private readonly List<byte[]> _chunks = [];
    private int _used;
    private Entry[] _entries = [];
    private int[] _buckets = []; // 1 + an index into _entries; 0: empty (open addressing, linear probing, at most half full)

    /// <summary>Where an id's bytes are: <see cref="Length"/> is negative for two bytes a character.</summary>
    private readonly record struct Entry(int Hash, int Chunk, int Offset, int Length);

    /// <inheritdoc/>
    public int Count { get; private set; }

    /// <summary>Adds <paramref name="id"/>; <see langword="false"/> when it is in the set already.</summary>
    public bool Add(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var size = EncodedSize(id);
        byte[]? rented = null;
        var bytes = size <= StackLimit ? stackalloc byte[size] : (rented = ArrayPool<byte>.Shared.Rent(size)).AsSpan(0, size);
        try
        {
            var ascii = Encode(id, bytes);
            var hash = StringComparer.Ordinal.GetHashCode(id);
            if (Find(bytes, ascii, hash) >= 0)
            {
                return false;
            }

            if ((Count + 1) * 2 > _buckets.Length)
            {
                Grow();
            }

            var (chunk, offset) = Store(bytes);
            if (Count == _entries.Length)
            {
                Array.Resize(ref _entries, Math.Max(16, _entries.Length * 2));
            }

            _entries[Count] = new Entry(hash, chunk, offset, ascii ? size : -size);
            Place(Count, hash);
            Count++;
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Whether <paramref name="id"/> is in the set.</summary>
    public bool Contains(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (Count == 0)
        {
            return false;
        }

        var size = EncodedSize(id);
        byte[]? rented = null;
        var bytes = size <= StackLimit ? stackalloc byte[size] : (rented = ArrayPool<byte>.Shared.Rent(size)).AsSpan(0, size);
        try
        {
            var ascii = Encode(id, bytes);
            return Find(bytes, ascii, StringComparer.Ordinal.GetHashCode(id)) >= 0;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <inheritdoc/>
    public IEnumerator<string> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return Decode(_entries[i]);
        }
    }

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static int EncodedSize(string id) => System.Text.Ascii.IsValid(id) ? id.Length : id.Length * 2;

    /// <summary>Writes <paramref name="id"/> into <paramref name="bytes"/>; <see langword="true"/> when one byte a character.</summary>
    private static bool Encode(string id, Span<byte> bytes)
    {
        if (bytes.Length == id.Length)
        {
            System.Text.Encoding.ASCII.GetBytes(id, bytes);
            return true;
        }

        MemoryMarshal.AsBytes(id.AsSpan()).CopyTo(bytes);
        return false;
    }

    private string Decode(Entry entry)
    {
        var bytes = Bytes(entry);
        return entry.Length >= 0 ? System.Text.Encoding.ASCII.GetString(bytes) : new string(MemoryMarshal.Cast<byte, char>(bytes));
    }

    private ReadOnlySpan<byte> Bytes(Entry entry) => _chunks[entry.Chunk].AsSpan(entry.Offset, Math.Abs(entry.Length));

    private int Find(ReadOnlySpan<byte> bytes, bool ascii, int hash)
    {
        if (_buckets.Length == 0)
        {
            return -1;
        }

        var length = ascii ? bytes.Length : -bytes.Length;
        for (var slot = Slot(hash); _buckets[slot] != 0; slot = (slot + 1) & (_buckets.Length - 1))
        {
            var entry = _entries[_buckets[slot] - 1];
            if (entry.Hash == hash && entry.Length == length && Bytes(entry).SequenceEqual(bytes))
            {
                return _buckets[slot] - 1;
            }
        }

        return -1;
    }

    private int Slot(int hash) => (int)((uint)hash & (uint)(_buckets.Length - 1));

    private void Place(int index, int hash)
    {
        var slot = Slot(hash);
        while (_buckets[slot] != 0)
        {
            slot = (slot + 1) & (_buckets.Length - 1);
        }

        _buckets[slot] = index + 1;
    }

    private void Grow()
    {
        _buckets = new int[Math.Max(32, _buckets.Length * 2)];
        for (var i = 0; i < Count; i++)
        {
            Place(i, _entries[i].Hash);
        }
    }

    /// <summary>Copies an id's bytes into the last chunk (a new one when it does not fit; an id longer than a chunk gets its own).</summary>
    private (int Chunk, int Offset) Store(ReadOnlySpan<byte> bytes)
    {
        if (_chunks.Count == 0 || bytes.Length > ChunkSize - _used)
        {
            _chunks.Add(new byte[Math.Max(ChunkSize, bytes.Length)]);
            _used = 0;
        }

        var chunk = _chunks.Count - 1;
        var offset = _used;
        bytes.CopyTo(_chunks[chunk].AsSpan(offset));
        _used += bytes.Length;
        return (chunk, offset);
    }
}
