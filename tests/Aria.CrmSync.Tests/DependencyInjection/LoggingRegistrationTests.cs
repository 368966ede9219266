using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Aria.CrmSync.Tests.DependencyInjection;

/// <summary>The library never registers logging services: the host's own logging works whichever is added first.</summary>
public class LoggingRegistrationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AddAriaCrmSync_BeforeOrAfterAddLogging_HostAndLibraryLinesReachTheHostProvider(bool ariaFirst)
    {
        var collector = new FakeLogCollector();
        var services = new ServiceCollection();
        if (ariaFirst)
        {
            services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections();
        }

        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(collector)));
        if (!ariaFirst)
        {
            services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections();
        }

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        provider.GetRequiredService<ILogger<LoggingRegistrationTests>>().LogInformation("host line {Order}", ariaFirst);
        var audit = provider.GetRequiredService<ICrmAuditService>();
        using var csv = new MemoryStream();
        await audit.ExportAuditLogAsync(new AuditExportRequest { UserId = "user-log" }, csv);

        var records = collector.GetSnapshot();
        Assert.Contains(records, r => r.Message == $"host line {ariaFirst}");
        Assert.Contains(records, r => r.Category == "Aria.CrmSync.Auditing.CrmAuditService" && r.Message.Contains("user-log", StringComparison.Ordinal));
        Assert.IsNotType<Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory>(provider.GetRequiredService<ILoggerFactory>());
    }

    [Fact]
    public async Task AddAriaCrmSync_WithoutAnyLogging_ResolvesAndRuns()
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        Assert.Null(provider.GetService<ILoggerFactory>());
        using var csv = new MemoryStream();
        var result = await provider.GetRequiredService<ICrmAuditService>().ExportAuditLogAsync(new AuditExportRequest { UserId = "user-log" }, csv);
        Assert.Equal(0L, result.EntriesWritten);
    }
}
