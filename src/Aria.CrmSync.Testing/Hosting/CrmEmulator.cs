using System.Collections.Concurrent;
using System.Text;

namespace Aria.CrmSync.Testing;

/// <summary>
/// The base of the CRM emulators: dispatches requests, applies seeded fault injection, counts calls, and serves
/// either in-process (<see cref="CreateHandler"/>) or over loopback HTTP (<c>StartServerAsync()</c> from the <c>Aria.CrmSync.Testing.Server</c> package).
/// </summary>
public abstract class CrmEmulator : IAsyncDisposable
{
    private readonly ConcurrentQueue<EmulatorExchange> _exchanges = new();
    private readonly List<IAsyncDisposable> _servers = [];
    private readonly CrmEmulatorOptions _options;

    /// <summary>Initializes a new instance of the <see cref="CrmEmulator"/> class.</summary>
    /// <param name="options">The options.</param>
    protected CrmEmulator(CrmEmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Faults = new FaultInjector(options.Seed);
    }

    /// <summary>Gets the call counters.</summary>
    public EmulatorCallLog Calls { get; } = new();

    /// <summary>Gets the fault injector.</summary>
    public FaultInjector Faults { get; }

    /// <summary>Gets the clock.</summary>
    public TimeProvider TimeProvider => _options.TimeProvider;

    /// <summary>Gets the base address written into absolute URLs (the loopback server's address once started).</summary>
    public Uri BaseAddress => _options.BaseAddress;

    /// <summary>Gets the recorded exchanges (when <see cref="CrmEmulatorOptions.RecordExchanges"/> is on).</summary>
    public IReadOnlyCollection<EmulatorExchange> Exchanges => _exchanges;

    /// <summary>Creates an in-process handler that serves requests without a socket.</summary>
    /// <returns>The handler.</returns>
    public HttpMessageHandler CreateHandler() => new EmulatorHttpMessageHandler(this);

    /// <summary>Creates an <see cref="HttpClient"/> on an in-process handler, based at <see cref="BaseAddress"/>.</summary>
    /// <returns>The client.</returns>
    public HttpClient CreateClient() => new(CreateHandler()) { BaseAddress = BaseAddress };

    /// <summary>
    /// Records a loopback server that serves this emulator (the <c>Aria.CrmSync.Testing.Server</c> package's
    /// <c>StartServerAsync</c>): requests now name its address, and disposing the emulator stops it.
    /// </summary>
    /// <param name="server">The server.</param>
    /// <param name="baseAddress">Its base address.</param>
    internal void AttachServer(IAsyncDisposable server, Uri baseAddress)
    {
        _options.BaseAddress = baseAddress;
        AttachResource(server);
    }

    /// <summary>Records something that runs beside the emulator (a server, a webhook sender): disposing the emulator stops it.</summary>
    /// <param name="resource">The resource.</param>
    private protected void AttachResource(IAsyncDisposable resource)
    {
        lock (_servers)
        {
            _servers.Add(resource);
        }
    }

    /// <summary>Handles one request: counts it, applies any injected fault, and dispatches it.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">The cancellation token (the client's).</param>
    /// <returns>The response.</returns>
    /// <exception cref="EmulatorConnectionDroppedException">An injected fault dropped the connection.</exception>
    public async Task<EmulatorResponse> HandleAsync(EmulatorRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var endpoint = ClassifyEndpoint(request);
        var fault = Faults.Decide(endpoint);

        switch (fault?.Kind)
        {
            case FaultKind.DropConnection:
                Calls.Record(endpoint, countsAgainstLimit: false);
                throw new EmulatorConnectionDroppedException(endpoint, processed: false);
            case FaultKind.Timeout:
                Calls.Record(endpoint, countsAgainstLimit: false);
                await Task.Delay(fault.Latency, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                throw new EmulatorConnectionDroppedException(endpoint, processed: false);
            case FaultKind.ServerError:
            case FaultKind.ServiceUnavailable:
            case FaultKind.RateLimited:
                Calls.Record(endpoint, countsAgainstLimit: false);
                return Observe(endpoint, request, CreateFaultResponse(fault.Kind, request));
            case FaultKind.Latency:
                await Task.Delay(fault.Latency, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                break;
        }

        EmulatorResponse response;
        try
        {
            response = await HandleCoreAsync(request, endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (EmulatorConnectionDroppedException)
        {
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            response = CreateInternalErrorResponse(ex, request);
        }

        Calls.Record(endpoint, CountsAgainstLimit(endpoint, response));
        response = Observe(endpoint, request, response);

        switch (fault?.Kind)
        {
            case FaultKind.ResponseLost:
                throw new EmulatorConnectionDroppedException(endpoint, processed: true);
            case FaultKind.TruncatedBody when response.Body.Length > 0:
                response.ReplaceBody(response.Body[..Faults.CutPoint(response.Body.Length)]);
                response.AbortAfterBody = true;
                break;
            case FaultKind.MalformedJson:
                response.ReplaceBody(Encoding.UTF8.GetBytes("{\"records\":[{\"Id\":\"0\",,]<html>"));
                break;
        }

        return response;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        IAsyncDisposable[] servers;
        lock (_servers)
        {
            servers = [.. _servers];
            _servers.Clear();
        }

        foreach (var server in servers)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Names the endpoint of a request for counting and fault rules (e.g. <c>query</c>, <c>sobjects.patch</c>).</summary>
    /// <param name="request">The request.</param>
    /// <returns>The endpoint key.</returns>
    protected abstract string ClassifyEndpoint(EmulatorRequest request);

    /// <summary>Serves a request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="endpoint">Its endpoint key.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The response.</returns>
    protected abstract Task<EmulatorResponse> HandleCoreAsync(EmulatorRequest request, string endpoint, CancellationToken cancellationToken);

    /// <summary>Builds the provider's response for an injected server error, outage or rate limit.</summary>
    /// <param name="kind">The fault.</param>
    /// <param name="request">The request.</param>
    /// <returns>The response.</returns>
    protected abstract EmulatorResponse CreateFaultResponse(FaultKind kind, EmulatorRequest request);

    /// <summary>Builds the provider's response for an unexpected failure inside the emulator.</summary>
    /// <param name="exception">The failure.</param>
    /// <param name="request">The request.</param>
    /// <returns>The response.</returns>
    protected virtual EmulatorResponse CreateInternalErrorResponse(Exception exception, EmulatorRequest request)
        => CreateFaultResponse(FaultKind.ServerError, request);

    /// <summary>Returns whether a handled request counts against the CRM's API limit.</summary>
    /// <param name="endpoint">The endpoint key.</param>
    /// <param name="response">The response sent.</param>
    /// <returns><see langword="true"/> when it counts.</returns>
    protected virtual bool CountsAgainstLimit(string endpoint, EmulatorResponse response) => true;

    private EmulatorResponse Observe(string endpoint, EmulatorRequest request, EmulatorResponse response)
    {
        if (_options.RecordExchanges)
        {
            _exchanges.Enqueue(new EmulatorExchange(endpoint, request, response));
        }

        return response;
    }
}
