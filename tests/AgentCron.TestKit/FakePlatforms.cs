using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentCron.TestKit;

/// <summary>
/// The chat platforms and a webhook receiver as a daemon under test reaches them: one HTTP server on loopback whose
/// paths are Slack's Web API (<see cref="Slack"/>), Discord's REST API, Telegram's Bot API, Lark's Open API and a
/// webhook (<see cref="Hook"/>), each answering as the platform's documentation says a post succeeds — with message ids
/// that count up — unless <see cref="Answer"/> says otherwise. It records every request.
/// </summary>
public sealed partial class FakePlatforms : IAsyncDisposable
{
    private readonly FakeHttpServer _server;
    private int _messages;

    public FakePlatforms() => _server = new FakeHttpServer(request => Task.FromResult(Answer?.Invoke(request) ?? Respond(request)));

    /// <summary>When set, answers a request instead of the platform (null: the platform answers).</summary>
    public Func<FakeHttpRequest, FakeHttpReply?>? Answer { get; set; }

    public Uri Slack => new(_server.Url, "slack/");

    public Uri Discord => new(_server.Url, "discord/");

    public Uri Telegram => new(_server.Url, "telegram/");

    public Uri Lark => new(_server.Url, "lark/");

    public Uri Hook => new(_server.Url, "hook");

    public IReadOnlyList<FakeHttpRequest> Requests => _server.Requests;

    /// <summary>The messages Slack took (<c>chat.postMessage</c> answered ok): channel, thread (null for a top-level post), text, and the ts it gave.</summary>
    public IReadOnlyList<(string Channel, string? Thread, string Text)> SlackPosts =>
        [.. Requests.Where(r => r.PathAndQuery == "/slack/chat.postMessage").Select(r => JsonDocument.Parse(r.Body).RootElement).Select(b => (
            b.GetProperty("channel").GetString()!,
            b.TryGetProperty("thread_ts", out var thread) ? thread.GetString() : null,
            b.GetProperty("text").GetString()!))];

    /// <summary>The webhook posts received: their <c>webhook-id</c> and body.</summary>
    public IReadOnlyList<(string Id, JsonElement Body)> HookPosts =>
        [.. Requests.Where(r => r.PathAndQuery == "/hook").Select(r => (r.Headers["webhook-id"]!, JsonDocument.Parse(r.Body).RootElement))];

    /// <summary>
    /// A config.yaml <c>Channels</c> section naming this server: a Slack channel <c>slack</c> (its token in the environment
    /// variable <paramref name="tokenVariable"/>) and a webhook <c>hook</c> (its secret in <paramref name="hookSecretFile"/>).
    /// </summary>
    public string SlackAndHookYaml(string tokenVariable, string hookSecretFile) => $"""
        Channels:
          slack:
            Token: env:{tokenVariable}
            ApiBase: {Slack}
          hook:
            Type: webhook
            Url: {Hook}
            Secret: file:{hookSecretFile}

        """;

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private FakeHttpReply Respond(FakeHttpRequest request)
    {
        var path = request.PathAndQuery;
        var n = Interlocked.Increment(ref _messages);
        return path switch
        {
            "/slack/chat.postMessage" => Json($$"""{"ok": true, "channel": "C", "ts": "1700000000.{{n:D6}}"}"""),
            "/slack/auth.test" => Json("""{"ok": true, "user_id": "U1"}"""),
            "/discord/users/@me" => Json("""{"id": "1", "username": "agentcron"}"""),
            "/hook" => Json("{}"),
            "/lark/open-apis/auth/v3/tenant_access_token/internal" => Json("""{"code": 0, "tenant_access_token": "t-fake", "expire": 7200}"""),
            _ when DiscordMessage().IsMatch(path) => Json($$"""{"id": "{{n}}"}"""),
            _ when path.StartsWith("/telegram/bot", StringComparison.Ordinal) && path.EndsWith("/sendMessage", StringComparison.Ordinal) => Json($$$"""{"ok": true, "result": {"message_id": {{{n}}}}}"""),
            _ when path.StartsWith("/telegram/bot", StringComparison.Ordinal) && path.EndsWith("/getMe", StringComparison.Ordinal) => Json("""{"ok": true, "result": {"id": 1}}"""),
            _ when path.StartsWith("/lark/open-apis/im/v1/messages", StringComparison.Ordinal) => Json($$$"""{"code": 0, "data": {"message_id": "om_{{{n}}}"}}"""),
            _ => new FakeHttpReply(404, """{"error": "not a fake platform path"}"""),
        };
    }

    private static FakeHttpReply Json(string body) => new(200, body);

    [GeneratedRegex("^/discord/channels/[^/]+/messages$")]
    private static partial Regex DiscordMessage();
}
