namespace Aria.CrmSync.Testing.Conformance;

/// <summary>
/// A gateway and the CRM behind it, as one test of <see cref="CrmGatewayConformanceTests"/> uses them; created afresh
/// for every test by <see cref="CrmGatewayTestBase.CreateGatewayAsync"/> and disposed after it.
/// </summary>
public sealed class CrmGatewayUnderTest : IAsyncDisposable
{
    /// <summary>Gets the gateway under test (as registered: decorators included).</summary>
    public required ICrmGateway Gateway { get; init; }

    /// <summary>Gets a connection the CRM accepts.</summary>
    public required CrmConnection Connection { get; init; }

    /// <summary>Gets a connection of the same CRM whose credentials the CRM rejects (a revoked token).</summary>
    public required CrmConnection RejectedConnection { get; init; }

    /// <summary>Gets the seam that acts on the CRM directly.</summary>
    public required ICrmConformanceControl Control { get; init; }

    /// <summary>Gets what to dispose after the test (the host, the CRM's test double), or <see langword="null"/>.</summary>
    public IAsyncDisposable? Owner { get; init; }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Owner?.DisposeAsync() ?? ValueTask.CompletedTask;
}
