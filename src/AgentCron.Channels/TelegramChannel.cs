using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentCron.Channels;

/// <summary>
/// Posts a run's result to a Telegram chat with the Bot API's <c>sendMessage</c>: into a forum topic when the target
/// names one (<c>message_thread_id</c>), each chunk after the first as a reply to the first, so a long result stays
/// together. Telegram takes 4,096 characters a message after its markup is parsed; the result goes in
/// <see cref="MessageChunks"/> of that size, each sent with <c>parse_mode</c> HTML: every character of the agent's text
/// escaped, code fences as <c>&lt;pre&gt;</c> blocks, <c>**bold**</c> and <c>`code`</c> as tags. A 429 is tried again after
/// the <c>retry_after</c> Telegram gives; a try that stops part way says how many chunks were sent. The token is part of
/// the request path, never of an error.
/// </summary>
public sealed partial class TelegramChannel(HttpClient http, BotOptions options, TimeProvider time)
{
    /// <summary>The most Telegram takes in one message, after its markup is parsed.</summary>
    public const int MessageLimit = 4096;

    private readonly ChannelHttp _http = new(http, options.Timeout, time, "Telegram");

    /// <summary>Sends the chunks of <paramref name="result"/> from <paramref name="cursor"/> on to <paramref name="chatId"/>, in topic <paramref name="topicId"/> if given; later chunks reply to the first.</summary>
    public Task<SendResult> SendAsync(RunResult result, string chatId, string? topicId, ChunkCursor cursor, CancellationToken cancellationToken)
    {
        if (topicId is not null && !long.TryParse(topicId, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            return Task.FromResult(new SendResult(SendOutcome.Failed, Error: $"'{topicId}' is not a Telegram forum topic (a message_thread_id is a number)"));
        }

        // "./": the token has a colon, which would otherwise read as a scheme.
        var target = new Uri(options.ApiBase, $"./bot{options.BotToken}/sendMessage");
        return ChunkedPost.SendAsync(
            MessageChunks.Split(ResultMessage.Markdown(result), MessageLimit),
            cursor,
            (chunk, first) =>
            {
                var message = new Dictionary<string, object>
                {
                    ["chat_id"] = chatId,
                    ["text"] = Html(chunk),
                    ["parse_mode"] = "HTML",
                    ["link_preview_options"] = new { is_disabled = true },
                };
                if (topicId is not null)
                {
                    message["message_thread_id"] = long.Parse(topicId, CultureInfo.InvariantCulture);
                }

                if (first is not null)
                {
                    message["reply_parameters"] = new { message_id = long.Parse(first, CultureInfo.InvariantCulture), allow_sending_without_reply = true };
                }

                return new HttpRequestMessage(HttpMethod.Post, target) { Content = JsonContent.Create(message) };
            },
            ReadAsync,
            _http,
            cancellationToken);
    }

    /// <summary>Telegram's <c>getMe</c>: whether the bot token is valid.</summary>
    public Task<ChannelHealth> CheckAsync(CancellationToken cancellationToken) => _http.CheckAsync(
        new HttpRequestMessage(HttpMethod.Get, new Uri(options.ApiBase, $"./bot{options.BotToken}/getMe")),
        body => body is { } b && b.TryGetProperty("ok", out var ok) && ok.ValueKind == System.Text.Json.JsonValueKind.True ? null : "Telegram did not accept the bot token",
        cancellationToken);

    /// <summary>A chunk of <see cref="ResultMessage"/> Markdown as Telegram HTML: all text escaped; fences, bold and code spans as tags.</summary>
    internal static string Html(string markdown)
    {
        var html = new StringBuilder();
        var inCode = false;
        foreach (var (line, kind, language) in MessageChunks.Lines(markdown))
        {
            switch (kind)
            {
                case LineKind.Open:
                    html.Append(language is not null && LanguageName().IsMatch(language) ? $"<pre><code class=\"language-{language}\">" : "<pre><code>");
                    inCode = true;
                    break;
                case LineKind.Close:
                    CloseCode(html);
                    html.Append('\n');
                    inCode = false;
                    break;
                case LineKind.Code:
                    html.Append(WebUtility.HtmlEncode(line)).Append('\n');
                    break;
                default:
                    html.Append(Inline(WebUtility.HtmlEncode(line))).Append('\n');
                    break;
            }
        }

        if (inCode)
        {
            CloseCode(html);
        }

        return html.ToString().TrimEnd('\n');
    }

    /// <summary>
    /// Code spans and bold in an escaped line: code spans first, bold only between them, so tags never overlap (Telegram
    /// refuses <c>&lt;b&gt;a &lt;code&gt;b&lt;/b&gt;</c>) and nothing inside code becomes bold.
    /// </summary>
    private static string Inline(string encoded)
    {
        var text = new StringBuilder();
        var at = 0;
        foreach (Match span in CodeSpan().Matches(encoded))
        {
            text.Append(Bold().Replace(encoded[at..span.Index], "<b>$1</b>")).Append("<code>").Append(span.Groups[1].Value).Append("</code>");
            at = span.Index + span.Length;
        }

        return text.Append(Bold().Replace(encoded[at..], "<b>$1</b>")).ToString();
    }

    /// <summary>Ends a code block without the newline after its last line.</summary>
    private static void CloseCode(StringBuilder html)
    {
        html.Length -= html.Length > 0 && html[^1] == '\n' ? 1 : 0;
        html.Append("</code></pre>");
    }

    private async Task<ChunkedPost.Answer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await Json.ReadAsync(response, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return new ChunkedPost.Answer(body is { } b && b.TryGetProperty("result", out var sent) && sent.TryGetProperty("message_id", out var id) ? id.GetRawText() : null, null);
        }

        var retryAfter = body is { } e && e.TryGetProperty("parameters", out var p) && p.TryGetProperty("retry_after", out var s) && s.TryGetInt32(out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : (TimeSpan?)null;
        return new ChunkedPost.Answer(null, HttpTry.Failed(response, _http.Receiver, _http.Time.GetUtcNow(), retryAfter));
    }

    [GeneratedRegex(@"\*\*(.+?)\*\*")]
    private static partial Regex Bold();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex("^[A-Za-z0-9_+-]+$")]
    private static partial Regex LanguageName();
}
