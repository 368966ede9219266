using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Aria.CrmSync.Testing.PubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Testing;

/// <summary>
/// A loopback gRPC server (Kestrel on 127.0.0.1, HTTP/2 over TLS, as <c>api.pubsub.salesforce.com:7443</c> is) serving
/// the Salesforce Pub/Sub API over a <see cref="SalesforceEmulator"/>'s change events. Its certificate is self-signed
/// for <c>localhost</c> and <c>127.0.0.1</c>: clients trust <see cref="Certificate"/> (or skip verification in tests).
/// </summary>
public sealed class PubSubEmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PubSubEmulatorServer(WebApplication app, Uri address, X509Certificate2 certificate)
    {
        _app = app;
        Address = address;
        Certificate = certificate;
    }

    /// <summary>Gets the server's address, e.g. <c>https://127.0.0.1:50123</c>.</summary>
    public Uri Address { get; }

    /// <summary>Gets the endpoint as gRPC clients name it, e.g. <c>127.0.0.1:50123</c>.</summary>
    public string Endpoint => Address.Authority;

    /// <summary>Gets the server's TLS certificate (public part; self-signed unless one was given).</summary>
    public X509Certificate2 Certificate { get; }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    internal static async Task<PubSubEmulatorServer> StartAsync(SalesforceEmulator emulator, int port, X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        certificate ??= CreateSelfSigned();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(certificate);
        }));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new PubSubEmulatorService(emulator));
        var app = builder.Build();
        app.MapGrpcService<PubSubEmulatorService>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        return new PubSubEmulatorServer(app, new Uri($"https://127.0.0.1:{address.Port}"), X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert)));
    }

    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        var now = TimeProvider.System.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
