using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentCron.Channels;

/// <summary>
/// Posts a run's result to a Discord channel or thread through the bot REST API (<c>POST /channels/{id}/messages</c>;
/// a thread is a channel of its own, so a result for a thread goes to the thread's id). Discord takes 2,000 characters
/// a message: the result goes in <see cref="MessageChunks"/>, in order, each a message of its own. Agent output is
/// untrusted, so no message may mention anyone (<c>allowed_mentions</c> empty: no <c>@everyone</c> from an agent). A
/// 429 is tried again after the <c>retry_after</c> Discord gives in its body; a try that stops part way says how many
/// chunks were posted, and the next try goes on from there.
/// </summary>
public sealed class DiscordChannel(HttpClient http, BotOptions options, TimeProvider time)
{
    /// <summary>The most Discord takes in one message.</summary>
    public const int MessageLimit = 2000;

    private readonly ChannelHttp _http = new(http, options.Timeout, time, "Discord");

    /// <summary>Posts the chunks of <paramref name="result"/> from <paramref name="cursor"/> on to <paramref name="channelId"/>, or to its thread <paramref name="threadId"/>.</summary>
    public Task<SendResult> SendAsync(RunResult result, string channelId, string? threadId, ChunkCursor cursor, CancellationToken cancellationToken)
    {
        var target = new Uri(options.ApiBase, $"channels/{Uri.EscapeDataString(threadId ?? channelId)}/messages");
        return ChunkedPost.SendAsync(
            MessageChunks.Split(ResultMessage.Markdown(result), MessageLimit),
            cursor,
            (chunk, _) => new HttpRequestMessage(HttpMethod.Post, target)
            {
                Content = JsonContent.Create(new { content = chunk, allowed_mentions = new { parse = Array.Empty<string>() } }),
                Headers = { Authorization = new AuthenticationHeaderValue("Bot", options.BotToken) },
            },
            ReadAsync,
            _http,
            cancellationToken);
    }

    /// <summary>Discord's <c>GET /users/@me</c>: whether the bot token is valid.</summary>
    public Task<ChannelHealth> CheckAsync(CancellationToken cancellationToken) => _http.CheckAsync(
        new HttpRequestMessage(HttpMethod.Get, new Uri(options.ApiBase, "users/@me")) { Headers = { Authorization = new AuthenticationHeaderValue("Bot", options.BotToken) } },
        _ => null,
        cancellationToken);

    private async Task<ChunkedPost.Answer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await Json.ReadAsync(response, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return new ChunkedPost.Answer(body is { } b && b.TryGetProperty("id", out var id) ? id.GetString() : null, null);
        }

        // Discord's own wait, in seconds with a fraction, is in a 429's body.
        var retryAfter = body is { } e && e.TryGetProperty("retry_after", out var s) && s.TryGetDouble(out var seconds) ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        return new ChunkedPost.Answer(null, HttpTry.Failed(response, _http.Receiver, _http.Time.GetUtcNow(), retryAfter));
    }
}
