using AgentCron.Channels;
using AgentCron.Core;
using AgentCron.Core.Engine;
using AgentCron.Core.Ports;

namespace AgentCron.Server.Hosting;

/// <summary>
/// The <c>Channels</c> and <c>Deliveries</c> sections: every configured channel made (its secrets read from their
/// references), the outbox's settings checked, and — for the run sandbox — the secret files and environment variables
/// runs must never reach.
/// </summary>
public sealed class DeliverySettings
{
    private readonly List<string> _secretFiles = [];
    private readonly List<string> _secretVariables = [];

    private DeliverySettings(DeliveryPolicy policy) => Policy = policy;

    public DeliveryPolicy Policy { get; private set; }

    /// <summary>The files secrets were read from (<c>file:PATH</c>): hidden from runs.</summary>
    public IReadOnlyList<string> SecretFiles => _secretFiles;

    /// <summary>The environment variables secrets were read from (<c>env:NAME</c>): removed from runs' environment.</summary>
    public IReadOnlyList<string> SecretVariables => _secretVariables;

    /// <summary>
    /// Reads both sections. A channel's HTTP requests go through <paramref name="http"/>. An unusable setting throws
    /// <see cref="InvalidFieldException"/> naming where it was set; no message ever holds a secret.
    /// </summary>
    public static DeliverySettings Load(IConfiguration config, YamlConfiguration? yaml, HttpClient http, TimeProvider time)
    {
        var options = Settings.Bind<DeliveryOptions>(config, "Deliveries", yaml);
        Check(options, yaml);
        var sections = Settings.Bind<Dictionary<string, ChannelSettings>>(config, "Channels", yaml);
        var settings = new DeliverySettings(new DeliveryPolicy(DeliveryChannels.None, options));
        var channels = sections.Select(c => Settings.Located(yaml, () => ConfiguredChannels.Create(c.Key, c.Value, (key, reference) => settings.Secret(yaml, key, reference), http, time))).ToList();
        settings.Policy = new DeliveryPolicy(new DeliveryChannels(channels), options);
        return settings;
    }

    /// <summary>The HTTP client every channel shares: no redirects (a signed webhook is never re-sent elsewhere), no client-wide timeout (each request has its own).</summary>
    public static HttpClient NewHttpClient() => new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private static void Check(DeliveryOptions options, YamlConfiguration? yaml)
    {
        Require(options.MaxAttempts >= 1, "Deliveries:MaxAttempts", "must be at least 1");
        Require(options.RetryBaseDelay > TimeSpan.Zero && options.RetryMaxDelay >= options.RetryBaseDelay, "Deliveries:RetryMaxDelay", "must be at least Deliveries:RetryBaseDelay, which must be positive");
        Require(options.TryTimeout >= TimeSpan.FromSeconds(1), "Deliveries:TryTimeout", "must be at least 00:00:01");
        Require(options.Concurrency >= 1, "Deliveries:Concurrency", "must be at least 1");
        Require(options.AlertAfterFailures >= 0, "Deliveries:AlertAfterFailures", "must not be negative (0 turns failure alerts off)");
        Require(options.AlertCooldown >= TimeSpan.Zero, "Deliveries:AlertCooldown", "must not be negative");
        Require(options.PublicUrl is null || (options.PublicUrl.IsAbsoluteUri && options.PublicUrl.Scheme is "http" or "https"), "Deliveries:PublicUrl", "must be an http or https address, e.g. https://agentcron.example.com/");

        void Require(bool ok, string key, string reason)
        {
            if (!ok)
            {
                throw new InvalidFieldException(Settings.Where(yaml, key), reason);
            }
        }
    }

    /// <summary>
    /// A secret setting's value from its reference: <c>env:NAME</c> (the daemon's environment) or <c>file:PATH</c> (the
    /// file's text, trimmed; a relative path is taken from the configuration file's folder). A secret written in
    /// config.yaml itself is refused; one set by its own environment variable (<c>AGENTCRON__CHANNELS__…</c>) is taken.
    /// </summary>
    private string? Secret(YamlConfiguration? yaml, string key, string? reference)
    {
        if (string.IsNullOrEmpty(reference))
        {
            return null;
        }

        if (reference.StartsWith("env:", StringComparison.Ordinal))
        {
            var name = reference[4..];
            var value = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(value))
            {
                throw new InvalidFieldException(key, $"the environment variable {name} (from {reference}) is not set");
            }

            _secretVariables.Add(name);
            return value;
        }

        if (reference.StartsWith("file:", StringComparison.Ordinal))
        {
            var path = Path.GetFullPath(reference[5..], Path.GetDirectoryName(yaml?.Path) ?? Environment.CurrentDirectory);
            try
            {
                var value = File.ReadAllText(path).Trim();
                _secretFiles.Add(path);
                return value.Length > 0 ? value : throw new InvalidFieldException(key, $"the file '{path}' (from {reference}) is empty");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InvalidFieldException(key, $"cannot read the file '{path}' (from {reference}): {ex.GetType().Name.Replace("Exception", "", StringComparison.Ordinal)}");
            }
        }

        if (yaml?.Has(key) == true && !Settings.Where(yaml, key).StartsWith("AGENTCRON__", StringComparison.Ordinal))
        {
            throw new InvalidFieldException(key, "a secret is never written in config.yaml: write env:NAME (an environment variable) or file:PATH (a file only the daemon's user reads)");
        }

        return reference;
    }
}
