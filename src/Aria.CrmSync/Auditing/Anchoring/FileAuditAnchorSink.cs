using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Aria.CrmSync.Auditing.Anchoring;

/// <summary>
/// An append-only file of anchors, one JSON object per line. Each anchor is appended and flushed to the disk
/// (<c>fsync</c>) before <see cref="WriteAsync"/> returns; the file is never rewritten or truncated by the library. Keep it
/// where the audit store's writers cannot write (another volume, a WORM mount, a log shipper): an anchor proves the chain
/// up to its head only as long as the anchor itself is out of an attacker's reach.
/// </summary>
internal sealed class FileAuditAnchorSink : IAuditAnchorSink, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public FileAuditAnchorSink(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    public async ValueTask WriteAsync(AuditChainAnchor anchor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        var line = Encoding.UTF8.GetBytes(AnchorJson.Serialize(anchor) + "\n");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }

            // FileMode.Append: the OS positions every write at the end; nothing before it can be overwritten through this handle.
            var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 1, FileOptions.None);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
        }
        catch (IOException ex)
        {
            throw new CrmSyncException($"The anchor could not be written to {Path}: {ex.Message}", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async IAsyncEnumerable<AuditChainAnchor> ReadAsync(string userId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (!File.Exists(Path))
        {
            yield break;
        }

        var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var number = 0;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                number++;
                if (line.Length == 0)
                {
                    continue;
                }

                var anchor = AnchorJson.Deserialize(line, $"{Path} line {number}");
                if (anchor.Head.UserId == userId)
                {
                    yield return anchor;
                }
            }
        }
    }

    public void Dispose() => _gate.Dispose();
}

/// <summary>The JSON form of an anchor in a sink: snake_case fields, the signature as it was issued.</summary>
internal static class AnchorJson
{
    public static string Serialize(AuditChainAnchor anchor)
    {
        var fields = new Dictionary<string, object?>
        {
            ["user_id"] = anchor.Head.UserId,
            ["sequence"] = anchor.Head.Sequence,
            ["hash"] = anchor.Head.Hash,
            ["issued_at"] = anchor.IssuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["key_id"] = anchor.KeyId,
            ["signature"] = anchor.Signature,
        };
        if (anchor.TimestampToken is not null)
        {
            fields["timestamp_token"] = anchor.TimestampToken;
        }

        return JsonSerializer.Serialize(fields);
    }

    public static AuditChainAnchor Deserialize(string json, string source)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            return new AuditChainAnchor
            {
                Head = new AuditChainHead(root.GetProperty("user_id").GetString()!, root.GetProperty("sequence").GetInt64(), root.GetProperty("hash").GetString()),
                IssuedAt = DateTimeOffset.Parse(root.GetProperty("issued_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal),
                KeyId = root.TryGetProperty("key_id", out var keyId) ? keyId.GetString() : null,
                Signature = root.TryGetProperty("signature", out var signature) ? signature.GetString() : null,
                TimestampToken = root.TryGetProperty("timestamp_token", out var token) ? token.GetString() : null,
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new CrmSyncDataException("An anchor cannot be read", source, provider: null, ex);
        }
    }
}
