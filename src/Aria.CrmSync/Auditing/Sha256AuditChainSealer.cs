using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Aria.CrmSync.Auditing;

/// <summary>
/// Seals audit entries into per-user SHA-256 hash chains. The hash covers a canonical, length-prefixed encoding of
/// every field of the entry (details in canonical JSON, time to the microsecond) plus its sequence and the previous
/// entry's hash, so a change to any of them is detected.
/// </summary>
internal sealed class Sha256AuditChainSealer : IAuditChainSealer
{
    private const string Version = "aria-crm-audit-v1";
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _threadBuffer;

    public static Sha256AuditChainSealer Instance { get; } = new();

    public CrmAuditEntry Seal(CrmAuditEntry draft, long sequence, string? previousHash)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        var sealedEntry = draft with
        {
            Sequence = sequence,
            PreviousHash = previousHash,
            CreatedAt = AuditTime.Normalize(draft.CreatedAt),
            Hash = string.Empty,
        };
        return sealedEntry with { Hash = ComputeHash(sealedEntry) };
    }

    public string ComputeHash(CrmAuditEntry entry)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        HashInto(entry, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Whether <paramref name="entry"/>'s stored hash is the one its content gives (no allocation).</summary>
    public bool HashMatches(CrmAuditEntry entry)
    {
        Span<byte> stored = stackalloc byte[SHA256.HashSizeInBytes];
        if (entry.Hash.Length != SHA256.HashSizeInBytes * 2
            || Convert.FromHexString(entry.Hash, stored, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != stored.Length)
        {
            return false;
        }

        Span<byte> computed = stackalloc byte[SHA256.HashSizeInBytes];
        HashInto(entry, computed);
        return CryptographicOperations.FixedTimeEquals(stored, computed);
    }

    private static void HashInto(CrmAuditEntry entry, Span<byte> hash)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var buffer = _threadBuffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        Append(buffer, Version);
        Append(buffer, entry.Id);
        Append(buffer, entry.UserId);
        Append(buffer, entry.LeadMemoryId);
        Append(buffer, Serialization.WireValue.Format(entry.Operation));
        Append(buffer, Serialization.WireValue.Format(entry.Provider));
        Append(buffer, entry.Success ? "true" : "false");
        CanonicalJson.WithUtf8(entry.Details, buffer, static (json, target) => AppendBytes(target, json));
        Append(buffer, entry.ErrorMessage);
        AppendTime(buffer, entry.CreatedAt);
        AppendNumber(buffer, entry.Sequence);
        Append(buffer, entry.PreviousHash);
        SHA256.HashData(buffer.WrittenSpan, hash);
    }

    private static void Append(ArrayBufferWriter<byte> buffer, string? value)
    {
        if (value is null)
        {
            Write(buffer, "~\n"u8);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        WriteLength(buffer, length);
        var span = buffer.GetSpan(length + 1);
        var written = Encoding.UTF8.GetBytes(value, span);
        span[written] = (byte)'\n';
        buffer.Advance(written + 1);
    }

    private static void AppendBytes(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> value)
    {
        WriteLength(buffer, value.Length);
        Write(buffer, value);
        Write(buffer, "\n"u8);
    }

    private static void AppendTime(ArrayBufferWriter<byte> buffer, DateTimeOffset value)
    {
        Span<byte> text = stackalloc byte[32];
        AuditTime.Normalize(value).UtcDateTime.TryFormat(text, out var written, TimeFormat, CultureInfo.InvariantCulture);
        AppendBytes(buffer, text[..written]);
    }

    private static void AppendNumber(ArrayBufferWriter<byte> buffer, long value)
    {
        Span<byte> text = stackalloc byte[24];
        value.TryFormat(text, out var written, provider: CultureInfo.InvariantCulture);
        AppendBytes(buffer, text[..written]);
    }

    private static void WriteLength(ArrayBufferWriter<byte> buffer, int length)
    {
        var span = buffer.GetSpan(12);
        length.TryFormat(span, out var written, provider: CultureInfo.InvariantCulture);
        span[written] = (byte)':';
        buffer.Advance(written + 1);
    }

    private static void Write(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(buffer.GetSpan(bytes.Length));
        buffer.Advance(bytes.Length);
    }
}
