using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Providers.Salesforce;

/// <summary>Validates every named <see cref="SalesforceOptions"/> (at start-up and on first use).</summary>
internal sealed partial class SalesforceOptionsValidator : IValidateOptions<SalesforceOptions>
{
    public ValidateOptionsResult Validate(string? name, SalesforceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prefix = string.IsNullOrEmpty(name) ? "SalesforceOptions" : $"SalesforceOptions '{name}'";
        var failures = new List<string>();
        if (options.ApiVersion is null || !ApiVersionPattern().IsMatch(options.ApiVersion))
        {
            failures.Add($"{prefix}: ApiVersion must look like '66.0'.");
        }

        if (!IsServerUrl(options.LoginUrl))
        {
            failures.Add($"{prefix}: LoginUrl must be an absolute https URL (http only for loopback).");
        }

        if (options.InstanceUrl is not null && !IsServerUrl(options.InstanceUrl))
        {
            failures.Add($"{prefix}: InstanceUrl must be an absolute https URL (http only for loopback).");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add($"{prefix}: ClientId (the connected app's consumer key) is required.");
        }

        if (options.QueryBatchSize is < 200 or > 2000)
        {
            failures.Add($"{prefix}: QueryBatchSize must be between 200 and 2000.");
        }

        if (options.OverlapWindow < TimeSpan.Zero || options.OverlapWindow > TimeSpan.FromDays(1))
        {
            failures.Add($"{prefix}: OverlapWindow must be between zero and one day.");
        }

        if (!Enum.IsDefined(options.NotesAs))
        {
            failures.Add($"{prefix}: NotesAs must be ContentNote or Note.");
        }

        try
        {
            options.RateLimits.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            failures.Add($"{prefix}: RateLimits.{ex.ParamName} is out of range.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>An absolute https URL, or http on a loopback host (tests, local emulators).</summary>
    internal static bool IsServerUrl(Uri? url)
        => url is { IsAbsoluteUri: true } && string.IsNullOrEmpty(url.Query) && string.IsNullOrEmpty(url.UserInfo)
            && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback));

    [GeneratedRegex(@"^\d{2,3}\.\d\z")]
    private static partial Regex ApiVersionPattern();
}
