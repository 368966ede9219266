namespace Aria.CrmSync.Testing;

/// <summary>A request an emulator handled and the response it sent (recorded when <see cref="CrmEmulatorOptions.RecordExchanges"/> is on).</summary>
/// <param name="Endpoint">The endpoint key.</param>
/// <param name="Request">The request.</param>
/// <param name="Response">The response as produced, before any injected corruption.</param>
public sealed record EmulatorExchange(string Endpoint, EmulatorRequest Request, EmulatorResponse Response);
