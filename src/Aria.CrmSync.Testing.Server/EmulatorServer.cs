using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Testing;

/// <summary>A loopback HTTP server (Kestrel on 127.0.0.1) serving one emulator, for end-to-end tests and external clients.</summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmulatorServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>Gets the server's base address, e.g. <c>http://127.0.0.1:50123</c>.</summary>
    public Uri BaseAddress { get; }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a loopback HTTP server (<c>http://127.0.0.1:{port}</c>) serving several emulators on one port: each
    /// request goes to the emulator <paramref name="route"/> picks (for example by its bearer token, when every emulated
    /// org or portal belongs to another user); a request it does not route gets a 404. Create the emulators with
    /// <see cref="BaseAddress"/> as their base address, so the links they return point back here.
    /// </summary>
    /// <param name="route">Picks the emulator of a request (<see langword="null"/>: none); called concurrently.</param>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The running server; dispose it to stop (the emulators are not disposed).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="route"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not 0 to 65535.</exception>
    public static Task<EmulatorServer> StartRoutedAsync(Func<EmulatorRequest, CrmEmulator?> route, int port = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(route);
        return StartAsync(route, null, port, cancellationToken);
    }

    internal static Task<EmulatorServer> StartAsync(CrmEmulator emulator, int port, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        return StartAsync(_ => emulator, emulator, port, cancellationToken);
    }

    private static async Task<EmulatorServer> StartAsync(Func<EmulatorRequest, CrmEmulator?> route, CrmEmulator? attached, int port, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.Configure<KestrelServerOptions>(o =>
        {
            o.AllowSynchronousIO = false;
            o.Limits.MaxRequestBodySize = 64 * 1024 * 1024;

            // Salesforce takes request URIs up to its 16,384-byte limit of URI and headers (Kestrel's default request
            // line is 8 KB): "In each REST call, the maximum length for the combined URI and headers is 16,384 bytes"
            // (https://help.salesforce.com/s/articleView?id=000386264).
            o.Limits.MaxRequestLineSize = 16 * 1024;
        });
        var app = builder.Build();
        app.Run(context => ServeAsync(route, context));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = new Uri(app.Urls.First());
        var server = new EmulatorServer(app, address);
        attached?.AttachServer(server, address);
        return server;
    }

    private static async Task ServeAsync(Func<EmulatorRequest, CrmEmulator?> route, HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var path = Uri.UnescapeDataString(context.Request.PathBase.Add(context.Request.Path).ToUriComponent());
        var request = new EmulatorRequest(context.Request.Method, path, context.Request.QueryString.Value, headers, buffer.ToArray());

        if (route(request) is not { } emulator)
        {
            context.Response.StatusCode = 404;
            return;
        }

        EmulatorResponse response;
        try
        {
            response = await emulator.HandleAsync(request, context.RequestAborted).ConfigureAwait(false);
        }
        catch (EmulatorConnectionDroppedException)
        {
            context.Abort();
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        context.Response.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (response.ContentType is not null)
        {
            context.Response.ContentType = response.ContentType;
        }

        if (response.AbortAfterBody)
        {
            // Promise more than is sent, then drop the connection: the client sees a truncated response.
            context.Response.ContentLength = response.Body.Length + 64;
            await context.Response.Body.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            context.Abort();
            return;
        }

        context.Response.ContentLength = response.Body.Length;
        if (response.Body.Length > 0)
        {
            await context.Response.Body.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
