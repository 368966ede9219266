using System.Runtime.CompilerServices;

namespace Aria.CrmSync;

/// <summary>An in-memory <see cref="ICrmConnectionRegistry"/> (one process; lost at exit). Thread-safe.</summary>
public sealed class InMemoryCrmConnectionRegistry : ICrmConnectionRegistry
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<(string UserId, CrmProvider Provider), CrmConnectionRegistration> _items = new(Comparer<(string UserId, CrmProvider Provider)>.Create(
        static (a, b) => string.CompareOrdinal(a.UserId, b.UserId) is var c and not 0 ? c : string.CompareOrdinal(Serialization.WireValue.Format(a.Provider), Serialization.WireValue.Format(b.Provider))));

    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="InMemoryCrmConnectionRegistry"/> class.</summary>
    /// <param name="time">The clock; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    public InMemoryCrmConnectionRegistry(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <inheritdoc />
    public ValueTask<CrmConnectionRegistration> AddAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        lock (_gate)
        {
            if (!_items.TryGetValue((userId, provider), out var registration))
            {
                var now = _time.GetUtcNow();
                registration = new CrmConnectionRegistration { UserId = userId, Provider = provider, CreatedAt = now, UpdatedAt = now };
                _items[(userId, provider)] = registration;
            }

            return ValueTask.FromResult(registration);
        }
    }

    /// <inheritdoc />
    public ValueTask<CrmConnectionRegistration?> GetAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        lock (_gate)
        {
            return ValueTask.FromResult(_items.GetValueOrDefault((userId, provider)));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> PauseAsync(string userId, CrmProvider provider, string? reason = null, DateTimeOffset? until = null, CancellationToken cancellationToken = default)
        => Change(userId, provider, r => r with { State = CrmConnectionState.Paused, PauseReason = reason, PausedUntil = until });

    /// <inheritdoc />
    public ValueTask<bool> ResumeAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
        => Change(userId, provider, r => r with { State = CrmConnectionState.Active, PauseReason = null, PausedUntil = null });

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        lock (_gate)
        {
            return ValueTask.FromResult(_items.Remove((userId, provider)));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<CrmConnectionRegistration> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CrmConnectionRegistration[] snapshot;
        lock (_gate)
        {
            snapshot = [.. _items.Values];
        }

        foreach (var registration in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return registration;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private ValueTask<bool> Change(string userId, CrmProvider provider, Func<CrmConnectionRegistration, CrmConnectionRegistration> change)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        lock (_gate)
        {
            if (!_items.TryGetValue((userId, provider), out var registration))
            {
                return ValueTask.FromResult(false);
            }

            _items[(userId, provider)] = change(registration) with { UpdatedAt = _time.GetUtcNow() };
            return ValueTask.FromResult(true);
        }
    }
}
