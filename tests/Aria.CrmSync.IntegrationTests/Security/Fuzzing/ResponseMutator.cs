using System.Net.Http.Headers;

namespace Aria.CrmSync.IntegrationTests.Security.Fuzzing;

/// <summary>Which response the next run mutates, and whether it has been: shared by every <see cref="ResponseMutator"/> of a client.</summary>
internal sealed class MutationPlan
{
    private int _responses;

    /// <summary>Gets the armed mutation, if any.</summary>
    public BodyMutation? Mutation { get; private set; }

    /// <summary>Gets a value indicating whether the armed mutation has been applied to a response.</summary>
    public bool Applied { get; private set; }

    /// <summary>Arms <paramref name="mutation"/> for the coming requests, counting responses from 0.</summary>
    public void Arm(BodyMutation mutation)
    {
        _responses = 0;
        Applied = false;
        Mutation = mutation;
    }

    /// <summary>Disarms the mutation (<see cref="Applied"/> keeps its value).</summary>
    public void Disarm() => Mutation = null;

    /// <summary>Returns the mutation for the response being received now, if it is the one the plan names.</summary>
    public BodyMutation? Next()
    {
        if (Mutation is not { } mutation || Interlocked.Increment(ref _responses) - 1 != mutation.Response)
        {
            return null;
        }

        Applied = true;
        return mutation;
    }
}

/// <summary>
/// An HTTP handler placed in a gateway's client pipeline (in front of the emulator) that applies the plan's
/// <see cref="BodyMutation"/> to the one response it names, passing every other response through unchanged.
/// </summary>
internal sealed class ResponseMutator(MutationPlan plan) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (plan.Next() is not { } mutation)
        {
            return response;
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var (mutated, contentType) = mutation.Apply(body, response.Content.Headers.ContentType?.ToString());
        var content = new ByteArrayContent(mutated);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        response.Content.Dispose();
        response.Content = content;
        return response;
    }
}
