using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace AgentCron.Server.Ui;

/// <summary>
/// Sign-in to the web UI: one-time codes (the link <c>serve</c> prints, or <c>agentcron ui</c> asks for), each good once
/// and for <see cref="CodeLifetime"/>, exchanged for a browser session kept in an HttpOnly, SameSite=Strict cookie. Only
/// hashes are kept, in memory: a restarted daemon prints a new link, and old sessions end with it.
/// </summary>
public sealed class UiSessions(TimeProvider time)
{
    public const string Cookie = "agentcron_ui";

    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(15);

    public static readonly TimeSpan SessionLifetime = TimeSpan.FromDays(7);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _sessions = new(StringComparer.Ordinal);

    /// <summary>A new one-time code.</summary>
    public string NewCode()
    {
        // Codes and sessions that ran out go when a new code is made, so a long-running daemon keeps only live ones.
        var now = time.GetUtcNow();
        foreach (var kept in new[] { _codes, _sessions })
        {
            foreach (var hash in kept.Where(e => e.Value <= now).Select(e => e.Key))
            {
                kept.TryRemove(hash, out _);
            }
        }

        var code = Secret();
        _codes[Hash(code)] = time.GetUtcNow() + CodeLifetime;
        return code;
    }

    /// <summary>The session <paramref name="code"/> becomes, once; null when it was used, has run out or never was.</summary>
    public string? Redeem(string? code)
    {
        if (string.IsNullOrEmpty(code) || !_codes.TryRemove(Hash(code), out var expires) || expires <= time.GetUtcNow())
        {
            return null;
        }

        var session = Secret();
        _sessions[Hash(session)] = time.GetUtcNow() + SessionLifetime;
        return session;
    }

    public bool IsSignedIn(string? session) =>
        !string.IsNullOrEmpty(session) && _sessions.TryGetValue(Hash(session), out var expires) && expires > time.GetUtcNow();

    public void SignOut(string? session)
    {
        if (!string.IsNullOrEmpty(session))
        {
            _sessions.TryRemove(Hash(session), out _);
        }
    }

    /// <summary>The sign-in link for <paramref name="address"/> with a new code.</summary>
    public Uri NewLink(Uri address) => new(address, $"sign-in?code={NewCode()}");

    private static string Secret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
