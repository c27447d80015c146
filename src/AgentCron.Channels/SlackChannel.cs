using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentCron.Channels;

/// <summary>
/// Posts a run's result to a Slack channel with <c>chat.postMessage</c>, in the thread the target names
/// (<c>thread_ts</c>); without one, the first chunk starts a thread and the rest go into it, so a long result never
/// becomes a row of top-level posts. Chunks of 3,000 characters (<see cref="MessageChunks"/>), each converted to Slack's
/// mrkdwn (<see cref="Mrkdwn"/>). Slack answers most failures with 200 and <c>"ok": false</c>: its rate limit, internal
/// and timeout errors are tried again, any other (a channel not found, a token revoked) is final; a 429 is tried again
/// after its <c>Retry-After</c>. A try that stops part way says how many chunks were posted.
/// </summary>
public sealed partial class SlackChannel(HttpClient http, BotOptions options, TimeProvider time)
{
    /// <summary>The longest chunk: the size of a Slack section, which keeps a message readable and far below Slack's own limits.</summary>
    public const int MessageLimit = 3000;

    private readonly ChannelHttp _http = new(http, options.Timeout, time, "Slack");

    /// <summary>Slack errors that pass: try again later.</summary>
    private static readonly HashSet<string> Transient = ["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"];

    /// <summary>A message outside a thread has no <c>thread_ts</c> at all.</summary>
    private static readonly JsonSerializerOptions IgnoreNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>
    /// Posts the chunks of <paramref name="result"/> from <paramref name="cursor"/> on to <paramref name="channel"/>, in
    /// thread <paramref name="threadTs"/> (else the first chunk's, which a try that goes on from an earlier one knows).
    /// </summary>
    public Task<SendResult> SendAsync(RunResult result, string channel, string? threadTs, ChunkCursor cursor, CancellationToken cancellationToken)
    {
        var target = new Uri(options.ApiBase, "chat.postMessage");
        return ChunkedPost.SendAsync(
            MessageChunks.Split(ResultMessage.Markdown(result), MessageLimit),
            cursor,
            (chunk, first) => new HttpRequestMessage(HttpMethod.Post, target)
            {
                Content = JsonContent.Create(
                    new { channel, text = Mrkdwn(chunk), thread_ts = threadTs ?? first, mrkdwn = true, unfurl_links = false, unfurl_media = false },
                    options: IgnoreNulls),
                Headers = { Authorization = new AuthenticationHeaderValue("Bearer", options.BotToken) },
            },
            ReadAsync,
            _http,
            cancellationToken);
    }

    /// <summary>Slack's <c>auth.test</c>: whether the bot token is valid.</summary>
    public Task<ChannelHealth> CheckAsync(CancellationToken cancellationToken) => _http.CheckAsync(
        new HttpRequestMessage(HttpMethod.Post, new Uri(options.ApiBase, "auth.test")) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", options.BotToken) } },
        body => body is { } b && b.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True
            ? null
            : $"Slack refused the token: {(body is { } e && e.TryGetProperty("error", out var code) ? code.GetString() : "unknown")}",
        cancellationToken);

    private async Task<ChunkedPost.Answer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            return new ChunkedPost.Answer(null, HttpTry.Failed(response, _http.Receiver, _http.Time.GetUtcNow()));
        }

        var body = await Json.ReadAsync(response, cancellationToken);
        if (body is { } b && b.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True)
        {
            return new ChunkedPost.Answer(b.TryGetProperty("ts", out var ts) ? ts.GetString() : null, null);
        }

        var error = body is { } e && e.TryGetProperty("error", out var code) ? code.GetString() ?? "unknown" : "unknown";
        return new ChunkedPost.Answer(null, new SendResult(Transient.Contains(error) ? SendOutcome.Retry : SendOutcome.Failed, Error: $"Slack refused the message: {error}"));
    }

    /// <summary>
    /// Markdown as Slack's mrkdwn: <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> escaped everywhere (so the agent's text can
    /// neither mention a channel nor forge a link); <c>**bold**</c> and headings as <c>*bold*</c>; <c>[text](url)</c> as
    /// <c>&lt;url|text&gt;</c>; code blocks kept, without the language Slack would show as code.
    /// </summary>
    internal static string Mrkdwn(string markdown)
    {
        var text = new StringBuilder();
        foreach (var (line, kind, _) in MessageChunks.Lines(markdown))
        {
            if (kind is LineKind.Open or LineKind.Close)
            {
                text.Append("```\n");
                continue;
            }

            var escaped = line.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
            if (kind == LineKind.Text)
            {
                escaped = Link().Replace(Bold().Replace(Heading().Replace(escaped, "**$1**"), "*$1*"), "<$2|$1>");
            }

            text.Append(escaped).Append('\n');
        }

        return text.ToString().TrimEnd('\n');
    }

    [GeneratedRegex(@"^#{1,6}\s+(.+)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"\*\*(.+?)\*\*")]
    private static partial Regex Bold();

    [GeneratedRegex(@"\[([^\]]+)\]\((https?://[^\s)]+)\)")]
    private static partial Regex Link();
}
