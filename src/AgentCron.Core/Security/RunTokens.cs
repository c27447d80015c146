using System.Security.Cryptography;
using System.Text;

namespace AgentCron.Core.Security;

/// <summary>
/// Run-scoped API tokens: <c>acr_RUNID.SIGNATURE</c>, an HMAC of the run id under a daemon secret. An agent gets the
/// token of its own run in <c>AGENTCRON_TOKEN</c>; the API accepts it only while that run is running, and only for
/// reading, creating and cancelling tasks. Stateless: nothing to store, nothing to clean up.
/// </summary>
public sealed class RunTokens(byte[] secret)
{
    public const string Prefix = "acr_";

    public string Issue(string runId) => $"{Prefix}{runId}.{Sign(runId)}";

    /// <summary>The run a token was issued for, or null if it is not a genuine run token.</summary>
    public string? RunIdOf(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var dot = token.LastIndexOf('.');
        if (dot <= Prefix.Length)
        {
            return null;
        }

        var runId = token[Prefix.Length..dot];
        var expected = Encoding.ASCII.GetBytes(Sign(runId));
        var given = Encoding.ASCII.GetBytes(token[(dot + 1)..]);
        return CryptographicOperations.FixedTimeEquals(expected, given) ? runId : null;
    }

    private string Sign(string runId) => Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(runId)));
}
