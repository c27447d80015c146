using System.Text.Json;

namespace AgentCron.Channels.Tests;

/// <summary>The Lark / Feishu client against a local server that records what the Open API would have received.</summary>
public sealed class LarkChannelTests : ChannelTest
{
    private const string Secret = "lark-app-secret-42";
    private const string TokenAnswer = """{"code": 0, "msg": "ok", "tenant_access_token": "t-first", "expire": 7200}""";

    [Fact]
    public async Task SendAsync_AsksForTheTenantTokenOnce_AndSendsTextToTheChat()
    {
        Api.Answer(200, TokenAnswer);
        Api.Answer(200, """{"code": 0, "msg": "success", "data": {"message_id": "om_1"}}""");
        Api.Answer(200, """{"code": 0, "msg": "success", "data": {"message_id": "om_2"}}""");
        using var channel = Channel();

        var first = await channel.SendAsync(Results.Succeeded, "oc_chat", null, ChunkCursor.Start, CancellationToken.None);
        var second = await channel.SendAsync(Results.Succeeded, "oc_chat", null, ChunkCursor.Start, CancellationToken.None);

        Assert.Equal((SendOutcome.Delivered, "om_1"), (first.Outcome, first.RemoteId));
        Assert.Equal((SendOutcome.Delivered, "om_2"), (second.Outcome, second.RemoteId));
        var requests = Api.Requests;
        Assert.Equal(3, requests.Count);
        Assert.Equal("/api/open-apis/auth/v3/tenant_access_token/internal", requests[0].PathAndQuery);
        var credentials = JsonDocument.Parse(requests[0].Body).RootElement;
        Assert.Equal(("cli_app", Secret), (credentials.GetProperty("app_id").GetString(), credentials.GetProperty("app_secret").GetString()));
        Assert.Equal("/api/open-apis/im/v1/messages?receive_id_type=chat_id", requests[1].PathAndQuery);
        Assert.Equal("Bearer t-first", requests[1].Authorization);
        var message = JsonDocument.Parse(requests[1].Body).RootElement;
        Assert.Equal(("oc_chat", "text"), (message.GetProperty("receive_id").GetString(), message.GetProperty("msg_type").GetString()));
        var text = JsonDocument.Parse(message.GetProperty("content").GetString()!).RootElement.GetProperty("text").GetString()!;
        Assert.StartsWith("✅ **check the deploy** — succeeded", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_AsksForANewToken_FiveMinutesBeforeTheOldOneRunsOut()
    {
        Api.Answer(200, TokenAnswer);
        Api.Answer(200, """{"code": 0, "data": {"message_id": "om_1"}}""");
        Api.Answer(200, """{"code": 0, "tenant_access_token": "t-second", "expire": 7200}""");
        Api.Answer(200, """{"code": 0, "data": {"message_id": "om_2"}}""");
        using var channel = Channel();

        await channel.SendAsync(Results.Succeeded, "oc_chat", null, ChunkCursor.Start, CancellationToken.None);
        Time.Advance(TimeSpan.FromSeconds(7200) - TimeSpan.FromMinutes(5));
        await channel.SendAsync(Results.Succeeded, "oc_chat", null, ChunkCursor.Start, CancellationToken.None);

        var requests = Api.Requests;
        Assert.Equal(4, requests.Count);
        Assert.EndsWith("tenant_access_token/internal", requests[2].PathAndQuery, StringComparison.Ordinal);
        Assert.Equal("Bearer t-second", requests[3].Authorization);
    }

    [Fact]
    public async Task SendAsync_RepliesInTheTargetsThread_AndALongResultsChunksInTheFirstsThread()
    {
        Api.Answer(200, TokenAnswer);
        for (var i = 1; i <= 10; i++)
        {
            Api.Answer(200, $$$"""{"code": 0, "data": {"message_id": "om_{{{i}}}"}}""");
        }

        using var channel = Channel();
        await channel.SendAsync(Results.Succeeded, "oc_chat", "om_thread", ChunkCursor.Start, CancellationToken.None);
        var sent = await channel.SendAsync(Results.WithParagraphs(3, 3000), "oc_chat", null, ChunkCursor.Start, CancellationToken.None);

        var requests = Api.Requests.Skip(1).ToList();
        Assert.Equal("/api/open-apis/im/v1/messages/om_thread/reply", requests[0].PathAndQuery);
        Assert.True(JsonDocument.Parse(requests[0].Body).RootElement.GetProperty("reply_in_thread").GetBoolean());
        Assert.Equal((SendOutcome.Delivered, "om_2", 3), (sent.Outcome, sent.RemoteId, sent.ChunksSent));
        Assert.Equal("/api/open-apis/im/v1/messages?receive_id_type=chat_id", requests[1].PathAndQuery);
        Assert.All(requests.Skip(2), r => Assert.Equal("/api/open-apis/im/v1/messages/om_2/reply", r.PathAndQuery));
    }

    [Fact]
    public async Task SendAsync_AsksForANewToken_WhenLarkNoLongerAcceptsTheOldOne()
    {
        Api.Answer(200, TokenAnswer);
        Api.Answer(200, """{"code": 99991663, "msg": "Invalid access token for authorization"}""");
        Api.Answer(200, """{"code": 0, "tenant_access_token": "t-second", "expire": 7200}""");
        Api.Answer(200, """{"code": 0, "data": {"message_id": "om_1"}}""");
        using var channel = Channel();

        var sent = await channel.SendAsync(Results.Succeeded, "oc_chat", null, ChunkCursor.Start, CancellationToken.None);

        Assert.Equal((SendOutcome.Delivered, "om_1"), (sent.Outcome, sent.RemoteId));
        Assert.Equal("Bearer t-second", Api.Requests[3].Authorization);
    }

    [Fact]
    public async Task SendAsync_FailsWithoutTheSecret_WhenLarkRefusesTheCredentials()
    {
        Api.Answer(200, """{"code": 10014, "msg": "app secret invalid"}""");
        using var channel = Channel();

        var sent = await channel.SendAsync(Results.Succeeded, "oc_chat", null, ChunkCursor.Start, CancellationToken.None);

        Assert.Equal((SendOutcome.Failed, "Lark refused the app's credentials: app secret invalid"), (sent.Outcome, sent.Error));
        Assert.Single(Api.Requests);
    }

    [Fact]
    public async Task SendAsync_TriesAgain_WhenLarkRateLimits()
    {
        Api.Answer(200, TokenAnswer);
        Api.Answer(200, """{"code": 99991400, "msg": "request trigger frequency limit"}""");
        using var channel = Channel();

        var sent = await channel.SendAsync(Results.Succeeded, "oc_chat", null, ChunkCursor.Start, CancellationToken.None);

        Assert.Equal((SendOutcome.Retry, 0), (sent.Outcome, sent.ChunksSent));
    }

    [Theory]
    [InlineData("", Secret)]
    [InlineData("cli_app", " ")]
    public void Constructor_RefusesMissingCredentials(string appId, string secret)
    {
        var error = Assert.Throws<ArgumentException>(() => new LarkChannel(Http, new LarkOptions(Api.Url, appId, secret, TimeSpan.FromSeconds(10)), Time));

        Assert.Contains("app's id and secret", error.Message, StringComparison.Ordinal);
    }

    private LarkChannel Channel() => new(Http, new LarkOptions(Api.Url, "cli_app", Secret, TimeSpan.FromSeconds(10)), Time);
}
