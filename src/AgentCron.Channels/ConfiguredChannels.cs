using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using AgentCron.Core;

namespace AgentCron.Channels;

/// <summary>Makes the channels <c>config.yaml</c> names (<see cref="ChannelSettings"/>) into the daemon's <see cref="IDeliveryChannel"/>s.</summary>
public static partial class ConfiguredChannels
{
    public static readonly IReadOnlyList<string> Types = ["slack", "discord", "telegram", "lark", "webhook", "email"];

    /// <summary>
    /// The channel <paramref name="name"/> configures. <paramref name="secret"/> reads a secret setting from its reference
    /// (the key, then the reference; null when it is not set). A missing or invalid setting throws
    /// <see cref="InvalidFieldException"/> on its key (<c>Channels:NAME:Token</c>).
    /// </summary>
    public static IDeliveryChannel Create(string name, ChannelSettings settings, Func<string, string?, string?> secret, HttpClient http, TimeProvider time)
    {
        var key = $"Channels:{name}";
        if (!NamePattern().IsMatch(name))
        {
            throw new InvalidFieldException(key, $"'{name}' is not a channel name; use lower-case letters, digits, '-' and '_' (it is written in targets such as {name.ToLowerInvariant()}:C024BE91L)");
        }

        var type = (settings.Type ?? name).ToLowerInvariant();
        if (!Types.Contains(type))
        {
            throw new InvalidFieldException($"{key}:Type", $"'{settings.Type ?? name}' is not a channel type; use one of: {string.Join(", ", Types)}");
        }

        if (settings.Timeout <= TimeSpan.Zero)
        {
            throw new InvalidFieldException($"{key}:Timeout", "must be positive");
        }

        string Required(string member, string? value, string what) =>
            string.IsNullOrWhiteSpace(value) ? throw new InvalidFieldException($"{key}:{member}", $"a {type} channel needs {what}") : value;
        string Secret(string member, string what) => Required(member, secret($"{key}:{member}", Member(settings, member)), what);
        BotOptions Bot(string defaultBase) => new(Base(settings.ApiBase ?? new Uri(defaultBase)), Secret("Token", "its bot token (Token: env:NAME or file:PATH)"), settings.Timeout);

        switch (type)
        {
            case "slack":
                var slack = new SlackChannel(http, Bot("https://slack.com/api/"), time);
                return new Configured(name, type, settings.To, true, true, (m, ct) => slack.SendAsync(m.Result, m.To!, m.Thread, m.From, ct), slack.CheckAsync);
            case "discord":
                var discord = new DiscordChannel(http, Bot("https://discord.com/api/v10/"), time);
                return new Configured(name, type, settings.To, true, false, (m, ct) => discord.SendAsync(m.Result, m.To!, m.Thread, m.From, ct), discord.CheckAsync);
            case "telegram":
                var telegram = new TelegramChannel(http, Bot("https://api.telegram.org/"), time);
                return new Configured(name, type, settings.To, true, false, (m, ct) => telegram.SendAsync(m.Result, m.To!, m.Thread, m.From, ct), telegram.CheckAsync);
            case "lark":
                var lark = new LarkChannel(
                    http,
                    new LarkOptions(Base(settings.ApiBase ?? new Uri("https://open.feishu.cn/")), Required("AppId", settings.AppId, "the app's id (AppId)"), Secret("AppSecret", "the app's secret (AppSecret: env:NAME or file:PATH)"), settings.Timeout),
                    time);
                return new Configured(name, type, settings.To, true, true, (m, ct) => lark.SendAsync(m.Result, m.To!, m.Thread, m.From, ct), lark.CheckAsync);
            case "webhook":
                var url = settings.Url ?? throw new InvalidFieldException($"{key}:Url", "a webhook channel needs the URL it posts to (Url)");
                var webhook = new WebhookChannel(http, new WebhookOptions(url, Secret("Secret", "its signing secret, whsec_ and base64 (Secret: env:NAME or file:PATH)"), settings.Timeout), time);
                return new Configured(
                    name, type, null, false, false, (m, ct) => webhook.SendAsync(m.Result, m.DeliveryId, ct),
                    _ => Task.FromResult(ChannelHealth.Unchecked("a webhook is checked only by posting to it: agentcron channels test " + name)));
            default:
                var email = new EmailChannel(new EmailOptions(
                    Required("Host", settings.Host, "its SMTP server (Host)"),
                    settings.Port,
                    settings.User,
                    settings.User is null ? null : Secret("Password", "the account's password (Password: env:NAME or file:PATH) when it has a User"),
                    MimeKit.MailboxAddress.TryParse(Required("From", settings.From, "the sender's address (From)"), out _)
                        ? settings.From!
                        : throw new InvalidFieldException($"{key}:From", $"'{settings.From}' is not an e-mail address"),
                    settings.Timeout)
                {
                    CheckCertificate = settings.TrustedCertificate is { } pem ? Pinned(pem, $"{key}:TrustedCertificate") : null,
                });
                return new Configured(name, type, settings.To, true, false, (m, ct) => email.SendAsync(m.Result, m.To!, ct), email.CheckAsync);
        }
    }

    private static string? Member(ChannelSettings settings, string member) => member switch
    {
        "Token" => settings.Token,
        "Secret" => settings.Secret,
        "AppSecret" => settings.AppSecret,
        _ => settings.Password,
    };

    /// <summary>An API base ends in '/', so the platform's paths go under it.</summary>
    private static Uri Base(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    /// <summary>Accepts the server's certificate when the system trusts it, or when it is the one in <paramref name="pem"/>.</summary>
    private static System.Net.Security.RemoteCertificateValidationCallback Pinned(string pem, string key)
    {
        X509Certificate2 trusted;
        try
        {
            trusted = X509Certificate2.CreateFromPem(File.ReadAllText(pem));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new InvalidFieldException(key, $"'{pem}' is not a readable PEM certificate: {ex.Message}");
        }

        return (_, certificate, _, errors) => errors == System.Net.Security.SslPolicyErrors.None
            || (certificate is not null && certificate.GetCertHashString() == trusted.GetCertHashString());
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex NamePattern();

    private sealed class Configured(
        string name,
        string type,
        string? defaultTo,
        bool takesPlace,
        bool startsThreads,
        Func<OutgoingMessage, CancellationToken, Task<SendResult>> send,
        Func<CancellationToken, Task<ChannelHealth>> check) : IDeliveryChannel
    {
        public string Name => name;

        public string Type => type;

        public string? DefaultTo => defaultTo;

        public bool TakesPlace => takesPlace;

        public bool StartsThreads => startsThreads;

        public Task<SendResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken) => send(message, cancellationToken);

        public Task<ChannelHealth> CheckAsync(CancellationToken cancellationToken) => check(cancellationToken);
    }
}
