using System.Globalization;
using System.Text;

namespace Aria.CrmSync.Soak.Simulation;

/// <summary>
/// A worker's connection to an emulator in a simulated soak: the emulator's in-process handler (no socket), with a
/// yield point before the request reaches the CRM and another after its answer came back (a kill there is a process
/// that died with the CRM's answer in flight: the write may have landed).
/// </summary>
public sealed class SimHttpHandler(HttpMessageHandler emulator, SimScheduler scheduler, SimTrace? trace) : DelegatingHandler(emulator)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await scheduler.YieldAsync();
        string? body = null;
        if (trace?.Any == true && request.Method != HttpMethod.Get && request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken);
            body = Encoding.UTF8.GetString(await request.Content.ReadAsByteArrayAsync(cancellationToken));
        }

        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (body is not null)
        {
            trace!.Request(request.Method.Method, request.RequestUri?.PathAndQuery ?? string.Empty, body, $"{ex.GetType().Name}: {ex.Message} ({ex.InnerException?.Message})");
            throw;
        }

        if (body is not null)
        {
            trace!.Request(request.Method.Method, request.RequestUri?.PathAndQuery ?? string.Empty, body, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
        }

        await scheduler.YieldAsync();
        return response;
    }
}
