using System.Collections;
using AgentCron.Core;

namespace AgentCron.Client;

/// <summary>
/// Where the CLI finds the daemon and how it proves who it is, from the environment alone so that
/// <c>AGENTCRON_HOME=/tmp/x agentcron serve</c> and <c>AGENTCRON_HOME=/tmp/x agentcron task list</c> agree:
/// <list type="bullet">
/// <item><c>AGENTCRON_URL</c>, default <see cref="DefaultUrl"/>;</item>
/// <item><c>AGENTCRON_TOKEN</c>, else the file <c>token</c> in the home directory;</item>
/// <item><c>AGENTCRON_HOME</c>, default <c>$XDG_DATA_HOME/agentcron</c> or <c>~/.local/share/agentcron</c>.</item>
/// </list>
/// The rules are <see cref="AgentCronPaths"/>'s (the daemon's), read from an injected environment so tests can vary it.
/// </summary>
/// <param name="BaseUrl">The daemon's base address, always ending in <c>/</c> so relative API paths append to it.</param>
/// <param name="Home">The data directory the token file was looked up in.</param>
/// <param name="Token">The bearer token, or null when neither the variable nor the file gives one.</param>
/// <param name="TokenSource">Where the token came from (or was looked for), for error messages.</param>
public sealed record Endpoint(Uri BaseUrl, string Home, string? Token, string TokenSource)
{
    public const string DefaultUrl = AgentCronPaths.DefaultUrl;
    public const string UrlVariable = "AGENTCRON_URL";
    public const string TokenVariable = "AGENTCRON_TOKEN";
    public const string HomeVariable = "AGENTCRON_HOME";
    public static readonly string TokenFileName = Path.GetFileName(AgentCronPaths.TokenFile("."));

    /// <summary>The base address as people write it, without the trailing slash.</summary>
    public string Display => BaseUrl.AbsoluteUri.TrimEnd('/');

    /// <summary>
    /// The data directory as the daemon finds it (<see cref="AgentCronPaths.Home(string?, Func{string, string?})"/>): <c>AGENTCRON_HOME</c>, else
    /// <c>$XDG_DATA_HOME/agentcron</c>, else <c>~/.local/share/agentcron</c>.
    /// </summary>
    public static string ResolveHome(IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return AgentCronPaths.Home(null, name => Variable(environment, name));
    }

    /// <summary>Resolves the daemon's address, the home directory and the token.</summary>
    /// <exception cref="UsageException">When <c>AGENTCRON_URL</c> is not an http(s) URL.</exception>
    public static Endpoint Resolve(IDictionary environment)
    {
        var home = ResolveHome(environment);
        var url = ParseUrl(Variable(environment, UrlVariable) ?? DefaultUrl);

        if (Variable(environment, TokenVariable) is { } token)
            return new Endpoint(url, home, token, TokenVariable);

        var file = AgentCronPaths.TokenFile(home);
        string? fromFile = null;
        try
        {
            fromFile = File.Exists(file) ? File.ReadAllText(file).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable file is reported like a missing one: the 401 hint names the path.
        }
        return new Endpoint(url, home, string.IsNullOrEmpty(fromFile) ? null : fromFile, file);
    }

    private static Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new UsageException($"{UrlVariable}: '{text}' is not an http:// or https:// URL such as {DefaultUrl}");
        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static string? Variable(IDictionary environment, string name) =>
        environment[name] is string value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
