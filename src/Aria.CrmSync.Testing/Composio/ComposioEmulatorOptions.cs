namespace Aria.CrmSync.Testing;

/// <summary>Options of the <see cref="ComposioEmulator"/>.</summary>
public sealed class ComposioEmulatorOptions : CrmEmulatorOptions
{
    /// <summary>Gets or sets the project API key the emulator accepts from the start (more with <see cref="ComposioEmulator.AddApiKey"/>).</summary>
    /// <value>The default value is <c>ak_aria_emulator_key</c>.</value>
    public string ApiKey { get; set; } = "ak_aria_emulator_key";

    /// <summary>
    /// Gets or sets a value indicating whether proxy results carry <c>successful</c>, <c>error</c> and <c>log_id</c>
    /// besides the documented <c>status</c>, <c>data</c> and <c>headers</c> (the tool-execution response has them;
    /// whether the proxy does is not documented). Off: only the documented fields.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool IncludeExecutionFields { get; set; } = true;
}
