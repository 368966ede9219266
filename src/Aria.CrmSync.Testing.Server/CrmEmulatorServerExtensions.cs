namespace Aria.CrmSync.Testing;

/// <summary>Serves an emulator over loopback HTTP (Kestrel on 127.0.0.1), for end-to-end tests and external clients.</summary>
public static class CrmEmulatorServerExtensions
{
    /// <summary>Starts a loopback HTTP server (<c>http://127.0.0.1:{port}</c>) serving <paramref name="emulator"/>.</summary>
    /// <param name="emulator">The emulator; its <see cref="CrmEmulator.BaseAddress"/> becomes the server's address, and
    /// disposing it stops the server.</param>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The running server; dispose it to stop.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="emulator"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not 0 to 65535.</exception>
    public static Task<EmulatorServer> StartServerAsync(this CrmEmulator emulator, int port = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        return EmulatorServer.StartAsync(emulator, port, cancellationToken);
    }
}
