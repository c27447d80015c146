namespace AgentCron.Channels;

/// <summary>
/// One channel under <c>Channels</c> in <c>config.yaml</c>, by name. Which members apply depends on <see cref="Type"/>
/// (docs/channels.md lists them per type); secrets (<see cref="Token"/>, <see cref="Secret"/>, <see cref="AppSecret"/>,
/// <see cref="Password"/>) are references, <c>env:NAME</c> or <c>file:PATH</c>, never the secret itself.
/// </summary>
public sealed record ChannelSettings
{
    /// <summary>slack, discord, telegram, lark, webhook or email; the channel's name when it is one of these.</summary>
    public string? Type { get; init; }

    /// <summary>Where a target that names no place goes: a chat or channel id, an e-mail address.</summary>
    public string? To { get; init; }

    /// <summary>How long to wait for one answer of the platform.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The platform's API base (Slack, Discord, Telegram, Lark: <c>https://open.feishu.cn/</c> or <c>https://open.larksuite.com/</c>).</summary>
    public Uri? ApiBase { get; init; }

    /// <summary>The bot token (Slack, Discord, Telegram).</summary>
    public string? Token { get; init; }

    /// <summary>Where a webhook POSTs.</summary>
    public Uri? Url { get; init; }

    /// <summary>A webhook's signing secret (<c>whsec_</c> and base64).</summary>
    public string? Secret { get; init; }

    /// <summary>A Lark / Feishu app's id and secret.</summary>
    public string? AppId { get; init; }

    public string? AppSecret { get; init; }

    /// <summary>The SMTP server (e-mail), always used with STARTTLS.</summary>
    public string? Host { get; init; }

    public int Port { get; init; } = 587;

    public string? User { get; init; }

    public string? Password { get; init; }

    /// <summary>The sender's address.</summary>
    public string? From { get; init; }

    /// <summary>A PEM file with the SMTP server's own certificate, trusted as it is (a server whose certificate no authority signed).</summary>
    public string? TrustedCertificate { get; init; }
}
