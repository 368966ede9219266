using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>Validates <see cref="HubSpotOptions"/> at start-up (every name).</summary>
internal sealed partial class HubSpotOptionsValidator : IValidateOptions<HubSpotOptions>
{
    public ValidateOptionsResult Validate(string? name, HubSpotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!Salesforce.SalesforceOptionsValidator.IsServerUrl(options.BaseAddress))
        {
            // As for Salesforce and Composio: tokens must never travel in clear text to a remote host.
            failures.Add("BaseAddress must be an absolute https URL (http only for loopback), without query or user info.");
        }

        if (options.ApiVersion is null || !(options.ApiVersion == HubSpotOptions.LegacyApiVersion || DateVersion().IsMatch(options.ApiVersion)))
        {
            failures.Add("ApiVersion must be 'v3' or a date version such as '2026-03'.");
        }

        if (options.RateLimits is null)
        {
            failures.Add("RateLimits is required.");
        }
        else
        {
            try
            {
                options.RateLimits.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                failures.Add($"RateLimits.{ex.ParamName}: {ex.Message.Split(Environment.NewLine)[0]}");
            }
        }

        if (options.SearchRequestsPerSecond < 1)
        {
            failures.Add("SearchRequestsPerSecond must be at least 1.");
        }

        if (options.MaxRateLimitRetries is < 0 or > 10)
        {
            failures.Add("MaxRateLimitRetries must be between 0 and 10.");
        }

        if (options.PipelineCacheDuration <= TimeSpan.Zero)
        {
            failures.Add("PipelineCacheDuration must be positive.");
        }

        if (string.IsNullOrEmpty(options.ClientId) != string.IsNullOrEmpty(options.ClientSecret))
        {
            failures.Add("ClientId and ClientSecret are set together (OAuth app) or not at all (private apps only).");
        }

        return failures.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(failures.Select(f => $"HubSpotOptions{(string.IsNullOrEmpty(name) ? string.Empty : $" '{name}'")}: {f}"));
    }

    [GeneratedRegex(@"^\d{4}-\d{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex DateVersion();
}
