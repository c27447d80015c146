namespace AgentCron.Channels;

/// <summary>
/// A chat platform's bot as a channel reaches it: the API base (<c>https://slack.com/api/</c>,
/// <c>https://discord.com/api/v10/</c>, <c>https://api.telegram.org/</c>), the bot's token, and how long to wait for an
/// answer.
/// </summary>
public sealed record BotOptions(Uri ApiBase, string BotToken, TimeSpan Timeout);
