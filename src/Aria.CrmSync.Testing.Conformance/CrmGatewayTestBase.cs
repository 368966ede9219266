using Xunit;

namespace Aria.CrmSync.Testing.Conformance;

/// <summary>
/// The life cycle the conformance classes share: each test gets a new gateway and CRM from
/// <see cref="CreateGatewayAsync"/> (xUnit's <see cref="IAsyncLifetime"/>) and disposes them after the test.
/// </summary>
public abstract class CrmGatewayTestBase : IAsyncLifetime
{
    private CrmGatewayUnderTest? _target;

    /// <summary>Gets the gateway and CRM of the running test.</summary>
    protected CrmGatewayUnderTest Target => _target ?? throw new InvalidOperationException("The gateway is created in InitializeAsync.");

    /// <summary>Creates the gateway under test and the CRM behind it (a new one, or one with room for new records) for one test.</summary>
    /// <returns>The gateway, its connections and the CRM control.</returns>
    protected abstract Task<CrmGatewayUnderTest> CreateGatewayAsync();

    /// <inheritdoc />
    public async Task InitializeAsync() => _target = await CreateGatewayAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_target is not null)
        {
            await _target.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
