using System.Net;
using AgentCron.Core;
using Microsoft.AspNetCore.Http;

namespace AgentCron.Server.Hosting;

/// <summary>
/// Where the daemon may listen. Loopback (127.0.0.0/8, [::1], <c>localhost</c>) and Unix sockets are always allowed;
/// an address that reaches beyond this machine — <c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>, a LAN address, or a
/// host name (Kestrel binds every interface for one) — only with <c>serve --allow-remote</c>, because the API would be
/// open to the network over plain HTTP. The rule holds wherever the address comes from: <c>--urls</c>, the <c>Urls</c>
/// setting (config.yaml, <c>AGENTCRON__URLS</c>, and .NET's own <c>ASPNETCORE_URLS</c>, <c>DOTNET_URLS</c>,
/// <c>URLS</c>) or Kestrel endpoints in the configuration.
/// </summary>
public static class ListenAddresses
{
    public const string AllowRemoteFlag = "--allow-remote";

    /// <summary>.NET's own variables for the <c>Urls</c> setting, in the order they win.</summary>
    private static readonly string[] DotnetUrlsVariables = ["URLS", "ASPNETCORE_URLS", "DOTNET_URLS"];

    /// <summary>
    /// The URLs the web server will bind, each with where it was set: Kestrel endpoints in the configuration when there
    /// are any (Kestrel then ignores the others), else <c>--urls</c>, else the <c>Urls</c> setting, else the default.
    /// </summary>
    public static IReadOnlyList<(string Url, string Source)> Configured(ServeOptions options, IConfiguration config, YamlConfiguration? yaml)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(config);
        var endpoints = config.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => (Url: e["Url"] ?? "", Source: Settings.Where(yaml, $"Kestrel:Endpoints:{e.Key}:Url")))
            .ToList();
        if (endpoints.Count > 0)
        {
            return endpoints;
        }

        var (urls, source) = options.Urls is { } flag ? (flag, "--urls")
            : config["Urls"] is { } setting ? (setting, UrlsSetting(yaml))
            : (AgentCronPaths.DefaultUrl, "default");
        return [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(url => (url, source))];
    }

    /// <summary>Refuses an address beyond loopback unless <paramref name="allowRemote"/>, and an address that is not one.</summary>
    /// <exception cref="InvalidFieldException">On the source of the first such address, naming it and <see cref="AllowRemoteFlag"/>.</exception>
    public static void Check(IEnumerable<(string Url, string Source)> urls, bool allowRemote)
    {
        ArgumentNullException.ThrowIfNull(urls);
        foreach (var (url, source) in urls)
        {
            if (!IsLocal(Parse(url, source)) && !allowRemote)
            {
                throw new InvalidFieldException(source,
                    $"{url} would listen beyond this machine; the daemon listens only on loopback (127.0.0.1, [::1], localhost) " +
                    $"unless started with 'serve {AllowRemoteFlag}' (every API call still needs the token, but the traffic is plain HTTP)");
            }
        }
    }

    /// <summary>True when only this machine can reach <paramref name="url"/> (an address as given or as bound).</summary>
    public static bool IsLocal(string url) => IsLocal(Parse(url, "url"));

    private static bool IsLocal(BindingAddress address)
    {
        if (address.IsUnixPipe || address.IsNamedPipe)
        {
            return true;
        }

        var host = address.Host.Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }

    private static BindingAddress Parse(string url, string source)
    {
        try
        {
            return BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            throw new InvalidFieldException(source, $"'{url}' is not an address to listen on; use a URL such as {AgentCronPaths.DefaultUrl}");
        }
    }

    /// <summary>Which of the places the <c>Urls</c> setting is read from set it, in the order they win.</summary>
    private static string UrlsSetting(YamlConfiguration? yaml)
    {
        var located = Settings.Where(yaml, "Urls");
        return located != "Urls" ? located : DotnetUrlsVariables.FirstOrDefault(n => Environment.GetEnvironmentVariable(n) is not null) ?? located;
    }
}
