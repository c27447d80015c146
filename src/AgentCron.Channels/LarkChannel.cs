using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentCron.Channels;

/// <summary>
/// A Lark / Feishu app: the Open API base (<c>https://open.feishu.cn/</c> or <c>https://open.larksuite.com/</c>), its app
/// id and secret, and how long to wait for an answer.
/// </summary>
public sealed record LarkOptions(Uri ApiBase, string AppId, string AppSecret, TimeSpan Timeout);

/// <summary>
/// Posts a run's result to a Lark (Feishu) chat as text messages. The app's tenant access token is asked for with its
/// id and secret, kept, and asked for again five minutes before it runs out, or at once when Lark says it is no longer
/// valid. A target with a thread replies in that message's thread (<c>reply_in_thread</c>); without one, the first chunk
/// goes to the chat and the rest reply in its thread. Lark answers most failures with a <c>code</c> other than 0: its rate
/// limit (99991400) is tried again, an invalid token is asked for anew, any other code is final. Credentials that are
/// missing are an error at construction, never a message that silently goes nowhere.
/// </summary>
public sealed class LarkChannel : IDisposable
{
    /// <summary>The longest chunk: readable in a chat window and far below Lark's 150 KB a text message.</summary>
    public const int MessageLimit = 4000;

    private const int RateLimited = 99991400;
    private const string TokenRejected = "Lark no longer accepts the app's token";
    private static readonly int[] InvalidToken = [99991661, 99991663, 99991668];
    private static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);

    private readonly LarkOptions _options;
    private readonly ChannelHttp _http;
    private readonly SemaphoreSlim _tokenGate = new(1, 1);
    private (string Value, DateTimeOffset Expires)? _token;

    public LarkChannel(HttpClient http, LarkOptions options, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(options.AppId) || string.IsNullOrWhiteSpace(options.AppSecret))
        {
            throw new ArgumentException("a Lark channel needs the app's id and secret (AppId, AppSecret)", nameof(options));
        }

        _options = options;
        _http = new ChannelHttp(http, options.Timeout, time, "Lark");
    }

    /// <summary>Sends the chunks of <paramref name="result"/> from <paramref name="cursor"/> on to <paramref name="chatId"/>, replying in the thread of <paramref name="threadMessageId"/> (the first chunk's when null).</summary>
    public async Task<SendResult> SendAsync(RunResult result, string chatId, string? threadMessageId, ChunkCursor cursor, CancellationToken cancellationToken)
    {
        var chunks = MessageChunks.Split(ResultMessage.Markdown(result), MessageLimit);
        for (var tries = 1; ; tries++)
        {
            var token = await TokenAsync(cancellationToken);
            if (token.Failure is { } failure)
            {
                return failure with { ChunksSent = cursor.Sent, RemoteId = cursor.FirstId };
            }

            var sent = await ChunkedPost.SendAsync(chunks, cursor, (chunk, first) => Message(token.Value!, chatId, threadMessageId ?? first, chunk), ReadAsync, _http, cancellationToken);
            if (sent.Outcome == SendOutcome.Delivered || sent.Error != TokenRejected || tries == 2)
            {
                return sent;
            }

            // The token was revoked or ran out early: ask for a new one, and go on from the chunk that was refused.
            _token = null;
            cursor = cursor with { Sent = sent.ChunksSent, FirstId = sent.RemoteId };
        }
    }

    /// <summary>Asks for a tenant token: whether the app's id and secret are accepted.</summary>
    public async Task<ChannelHealth> CheckAsync(CancellationToken cancellationToken)
    {
        _token = null;
        var (_, failure) = await TokenAsync(cancellationToken);
        return failure?.Error is { } problem ? ChannelHealth.Failing(problem) : ChannelHealth.Ok;
    }

    private HttpRequestMessage Message(string token, string chatId, string? replyTo, string chunk)
    {
        var content = JsonSerializer.Serialize(new { text = chunk });
        var request = replyTo is null
            ? new HttpRequestMessage(HttpMethod.Post, new Uri(_options.ApiBase, "open-apis/im/v1/messages?receive_id_type=chat_id"))
            {
                Content = JsonContent.Create(new { receive_id = chatId, msg_type = "text", content }),
            }
            : new HttpRequestMessage(HttpMethod.Post, new Uri(_options.ApiBase, $"open-apis/im/v1/messages/{Uri.EscapeDataString(replyTo)}/reply"))
            {
                Content = JsonContent.Create(new { msg_type = "text", content, reply_in_thread = true }),
            };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private async Task<ChunkedPost.Answer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await Json.ReadAsync(response, cancellationToken);
        var code = body is { } b && b.TryGetProperty("code", out var c) && c.TryGetInt32(out var value) ? value : (int?)null;
        if (response.IsSuccessStatusCode && code == 0)
        {
            var id = body!.Value.TryGetProperty("data", out var data) && data.TryGetProperty("message_id", out var m) ? m.GetString() : null;
            return new ChunkedPost.Answer(id, null);
        }

        return new ChunkedPost.Answer(null, code switch
        {
            RateLimited => new SendResult(SendOutcome.Retry, Error: "Lark rate-limited the app", RetryAfter: TimeSpan.FromSeconds(1)),
            { } invalid when InvalidToken.Contains(invalid) => new SendResult(SendOutcome.Retry, Error: TokenRejected),
            { } other when response.IsSuccessStatusCode => new SendResult(SendOutcome.Failed, Error: $"Lark refused the message: code {other}{Message(body)}"),
            _ => HttpTry.Failed(response, _http.Receiver, _http.Time.GetUtcNow()),
        });
    }

    /// <summary>The tenant access token, asked for when there is none or it runs out within five minutes.</summary>
    private async Task<(string? Value, SendResult? Failure)> TokenAsync(CancellationToken cancellationToken)
    {
        await _tokenGate.WaitAsync(cancellationToken);
        try
        {
            var now = _http.Time.GetUtcNow();
            if (_token is { } kept && kept.Expires - RefreshBefore > now)
            {
                return (kept.Value, null);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_options.ApiBase, "open-apis/auth/v3/tenant_access_token/internal"))
            {
                Content = JsonContent.Create(new { app_id = _options.AppId, app_secret = _options.AppSecret }),
            };
            var (response, failure) = await HttpTry.SendAsync(_http.Client, request, _http.Timeout, _http.Time, _http.Receiver, cancellationToken);
            using (response)
            {
                if (failure is not null)
                {
                    return (null, failure);
                }

                var body = await Json.ReadAsync(response!, cancellationToken);
                if (body is { } b && b.TryGetProperty("code", out var code) && code.TryGetInt32(out var c) && c == 0
                    && b.TryGetProperty("tenant_access_token", out var token) && b.TryGetProperty("expire", out var expire))
                {
                    _token = (token.GetString()!, now + TimeSpan.FromSeconds(expire.GetInt32()));
                    return (_token.Value.Value, null);
                }

                return (null, response!.IsSuccessStatusCode || (int)response.StatusCode is >= 400 and < 500 and not 408 and not 429
                    ? new SendResult(SendOutcome.Failed, Error: $"Lark refused the app's credentials{Message(body)}")
                    : HttpTry.Failed(response, _http.Receiver, now));
            }
        }
        finally
        {
            _tokenGate.Release();
        }
    }

    public void Dispose() => _tokenGate.Dispose();

    private static string Message(JsonElement? body) =>
        body is { } b && b.TryGetProperty("msg", out var msg) && msg.GetString() is { Length: > 0 } text ? $": {text}" : "";
}
