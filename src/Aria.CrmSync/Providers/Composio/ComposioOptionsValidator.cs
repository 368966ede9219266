using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Providers.Composio;

/// <summary>Validates <see cref="ComposioOptions"/> at start-up; messages name the setting, never the API key's value.</summary>
internal sealed class ComposioOptionsValidator : IValidateOptions<ComposioOptions>
{
    public ValidateOptionsResult Validate(string? name, ComposioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            failures.Add("ComposioOptions: ApiKey (the project API key sent as x-api-key) is required.");
        }
        else if (options.ApiKey.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            failures.Add("ComposioOptions: ApiKey contains whitespace or control characters.");
        }

        if (options.BaseAddress is not { IsAbsoluteUri: true } address || !string.IsNullOrEmpty(address.Query) || !string.IsNullOrEmpty(address.UserInfo)
            || !(address.Scheme == Uri.UriSchemeHttps || (address.Scheme == Uri.UriSchemeHttp && address.IsLoopback)))
        {
            failures.Add("ComposioOptions: BaseAddress must be an absolute https URL such as https://backend.composio.dev/api/v3 (http only for loopback), without query or user info.");
        }

        if (options.RateLimitBackoff <= TimeSpan.Zero || options.MaxRateLimitBackoff < options.RateLimitBackoff)
        {
            failures.Add("ComposioOptions: RateLimitBackoff must be positive and MaxRateLimitBackoff at least RateLimitBackoff.");
        }

        var seen = new HashSet<(string, CrmProvider)>();
        for (var i = 0; i < options.ConnectedAccounts.Count; i++)
        {
            var account = options.ConnectedAccounts[i];
            if (account is null || string.IsNullOrWhiteSpace(account.UserId) || string.IsNullOrWhiteSpace(account.ConnectedAccountId) || account.Provider.IsDefault)
            {
                failures.Add($"ComposioOptions: ConnectedAccounts[{i}] needs a UserId, a Provider and a ConnectedAccountId.");
                continue;
            }

            if (account.InstanceUrl is { IsAbsoluteUri: false })
            {
                failures.Add($"ComposioOptions: ConnectedAccounts[{i}].InstanceUrl must be absolute.");
            }

            if (!seen.Add((account.UserId, account.Provider)))
            {
                failures.Add($"ComposioOptions: ConnectedAccounts[{i}] repeats user '{account.UserId}' for {Serialization.WireValue.Format(account.Provider)}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
