namespace Aria.CrmSync.Testing;

/// <summary>Raised inside an emulator when an injected fault drops the connection.</summary>
public sealed class EmulatorConnectionDroppedException : IOException
{
    /// <summary>Initializes a new instance of the <see cref="EmulatorConnectionDroppedException"/> class.</summary>
    /// <param name="endpoint">The endpoint key.</param>
    /// <param name="processed">Whether the request was processed before the drop.</param>
    public EmulatorConnectionDroppedException(string endpoint, bool processed)
        : base($"The emulator dropped the connection ({endpoint}, {(processed ? "after" : "before")} processing).")
    {
        Endpoint = endpoint;
        Processed = processed;
    }

    /// <summary>Gets the endpoint key.</summary>
    public string Endpoint { get; }

    /// <summary>Gets a value indicating whether the request was processed before the drop.</summary>
    public bool Processed { get; }
}
