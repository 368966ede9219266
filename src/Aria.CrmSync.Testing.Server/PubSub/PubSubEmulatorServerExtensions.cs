using System.Security.Cryptography.X509Certificates;

namespace Aria.CrmSync.Testing;

/// <summary>Serves a Salesforce emulator's Change Data Capture events over the Pub/Sub API (gRPC, HTTP/2, TLS, loopback).</summary>
public static class PubSubEmulatorServerExtensions
{
    /// <summary>
    /// Starts a loopback gRPC server (<c>https://127.0.0.1:{port}</c>) speaking the Salesforce Pub/Sub API
    /// (<c>eventbus.v1.PubSub</c>) over <paramref name="emulator"/>'s change events
    /// (<see cref="SalesforceEmulator.ChangeEvents"/>). Calls authenticate with the emulator's access tokens.
    /// </summary>
    /// <param name="emulator">The Salesforce emulator.</param>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="certificate">The TLS certificate with its private key; <see langword="null"/> creates a self-signed one for localhost and 127.0.0.1.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The running server; dispose it to stop.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="emulator"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not 0 to 65535.</exception>
    public static Task<PubSubEmulatorServer> StartPubSubServerAsync(this SalesforceEmulator emulator, int port = 0, X509Certificate2? certificate = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        return PubSubEmulatorServer.StartAsync(emulator, port, certificate, cancellationToken);
    }
}
