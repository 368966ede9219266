namespace Aria.CrmSync.Testing;

/// <summary>Options shared by the emulators.</summary>
public class CrmEmulatorOptions
{
    /// <summary>Gets or sets the clock (tokens, timestamps, rate windows).</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the seed of fault injection and of generated ids.</summary>
    /// <value>The default value is 1.</value>
    public int Seed { get; set; } = 1;

    /// <summary>Gets or sets a value indicating whether every exchange is recorded in <see cref="CrmEmulator.Exchanges"/>.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool RecordExchanges { get; set; }

    /// <summary>
    /// Gets or sets the base address the emulator writes into absolute URLs it returns (e.g. Salesforce
    /// <c>instance_url</c>). Set automatically when a loopback server starts. In process (no socket) it is an https
    /// address, because every provider refuses a plain-http base address that is not a loopback address.
    /// </summary>
    /// <value>The default value is <c>https://emulator.local</c>.</value>
    public Uri BaseAddress { get; set; } = new("https://emulator.local");
}
