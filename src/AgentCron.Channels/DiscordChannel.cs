using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentCron.Channels;

/// <summary>A Discord bot: the API base (<c>https://discord.com/api/v10/</c>), its token and how long to wait for an answer.</summary>
public sealed record DiscordOptions(Uri ApiBase, string BotToken, TimeSpan Timeout);

/// <summary>
/// Posts a run's result to a Discord channel or thread through the bot REST API (<c>POST /channels/{id}/messages</c>;
/// a thread is a channel of its own, so a result for a thread goes to the thread's id). Discord takes 2,000 characters
/// a message: the result goes in <see cref="MessageChunks"/>, in order, each a message of its own. Agent output is
/// untrusted, so no message may mention anyone (<c>allowed_mentions</c> empty: no <c>@everyone</c> from an agent). A
/// 429 is tried again after the <c>retry_after</c> Discord gives in its body; a try that stops part way says how many
/// chunks were posted, and the next try goes on from there.
/// </summary>
public sealed class DiscordChannel(HttpClient http, DiscordOptions options, TimeProvider time)
{
    /// <summary>The most Discord takes in one message.</summary>
    public const int MessageLimit = 2000;

    private const string Receiver = "Discord";

    /// <summary>Posts the chunks of <paramref name="result"/> from <paramref name="resumeAt"/> on to <paramref name="channelId"/>, or to its thread <paramref name="threadId"/>.</summary>
    public async Task<SendResult> SendAsync(RunResult result, string channelId, string? threadId, int resumeAt, CancellationToken cancellationToken)
    {
        var chunks = MessageChunks.Split(ResultMessage.Markdown(result), MessageLimit);
        var target = new Uri(options.ApiBase, $"channels/{Uri.EscapeDataString(threadId ?? channelId)}/messages");
        string? first = null;
        for (var i = resumeAt; i < chunks.Count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, target)
            {
                Content = JsonContent.Create(new { content = chunks[i], allowed_mentions = new { parse = Array.Empty<string>() } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bot", options.BotToken);
            var (response, failure) = await HttpTry.SendAsync(http, request, options.Timeout, time, Receiver, cancellationToken);
            using (response)
            {
                if (failure is not null)
                {
                    return failure with { RemoteId = first, ChunksSent = i };
                }

                if (!response!.IsSuccessStatusCode)
                {
                    var retryAfter = (int)response.StatusCode == 429 ? await RetryAfterAsync(response, cancellationToken) : null;
                    return HttpTry.Failed(response, Receiver, time.GetUtcNow(), retryAfter) with { RemoteId = first, ChunksSent = i };
                }

                var message = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                first ??= message.TryGetProperty("id", out var id) ? id.GetString() : null;
            }
        }

        return new SendResult(SendOutcome.Delivered, first, ChunksSent: chunks.Count);
    }

    /// <summary>Discord's own wait, in seconds with a fraction, from a 429's body; null when the body has none.</summary>
    private static async Task<TimeSpan?> RetryAfterAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return body.TryGetProperty("retry_after", out var seconds) && seconds.TryGetDouble(out var s) ? TimeSpan.FromSeconds(s) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
