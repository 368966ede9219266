using System.Net;
using System.Net.Http.Headers;

namespace Aria.CrmSync.Testing;

/// <summary>Serves an emulator in process: no socket, same behaviour (faults surface as <see cref="HttpRequestException"/>).</summary>
internal sealed class EmulatorHttpMessageHandler(CrmEmulator emulator) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in request.Headers)
        {
            headers[header.Key] = string.Join(", ", header.Value);
        }

        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers)
            {
                headers[header.Key] = string.Join(", ", header.Value);
            }
        }

        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        if (!uri.IsAbsoluteUri)
        {
            uri = new Uri(emulator.BaseAddress, uri);
        }

        headers.TryAdd("Host", uri.Authority); // as a socket client sends it: emulators that serve several hosts look at it
        var emulatorRequest = new EmulatorRequest(request.Method.Method, Uri.UnescapeDataString(uri.AbsolutePath), uri.Query, headers, body);
        EmulatorResponse response;
        try
        {
            response = await emulator.HandleAsync(emulatorRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (EmulatorConnectionDroppedException ex)
        {
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.", ex);
        }

        var message = new HttpResponseMessage((HttpStatusCode)response.StatusCode)
        {
            RequestMessage = request,
            Content = new ByteArrayContent(response.Body),
        };
        if (response.ContentType is not null)
        {
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(response.ContentType);
        }

        foreach (var (name, value) in response.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (response.AbortAfterBody)
        {
            // The body was cut short in transit: the client reads a partial payload as if the connection closed.
            message.Content.Headers.ContentLength = response.Body.Length;
        }

        return message;
    }
}
