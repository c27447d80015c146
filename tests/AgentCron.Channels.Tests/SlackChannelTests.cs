using System.Text.Json;

namespace AgentCron.Channels.Tests;

/// <summary>The Slack client against a local server that records what Slack's Web API would have received.</summary>
public sealed class SlackChannelTests : ChannelTest
{
    private const string Token = "xoxb-1111-2222-slack-secret";

    [Fact]
    public async Task SendAsync_PostsIntoTheThread_AsMrkdwn_WithTheBotToken()
    {
        Api.Answer(200, """{"ok": true, "channel": "C1", "ts": "1700000000.000200"}""");
        var result = Results.Succeeded with { Output = "## Status\n\n**3 pods** ready, see [the dashboard](https://grafana.example/d/1?a=1&b=2) <!channel>\n\n```yaml\nreplicas: 3 # a < b\n```" };

        var sent = await Channel().SendAsync(result, "C1", "1700000000.000100", ChunkCursor.Start, CancellationToken.None);

        Assert.Equal((SendOutcome.Delivered, "1700000000.000200", 1), (sent.Outcome, sent.RemoteId, sent.ChunksSent));
        var request = Assert.Single(Api.Requests);
        Assert.Equal("/api/chat.postMessage", request.PathAndQuery);
        Assert.Equal($"Bearer {Token}", request.Headers["Authorization"]);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(("C1", "1700000000.000100"), (body.GetProperty("channel").GetString(), body.GetProperty("thread_ts").GetString()));
        var text = body.GetProperty("text").GetString()!;
        Assert.StartsWith("✅ *check the deploy* — succeeded (run `run_1`, attempt 2)", text, StringComparison.Ordinal);
        Assert.Contains("*Status*", text, StringComparison.Ordinal);
        Assert.Contains("*3 pods* ready, see <https://grafana.example/d/1?a=1&amp;b=2|the dashboard> &lt;!channel&gt;", text, StringComparison.Ordinal);
        Assert.Contains("```\nreplicas: 3 # a &lt; b\n```", text, StringComparison.Ordinal);
        Assert.DoesNotContain("```yaml", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_WithoutAThread_StartsOneWithTheFirstChunk_AndPostsTheRestIntoIt()
    {
        var result = Results.WithParagraphs(4, 2500);
        for (var i = 1; i <= 10; i++)
        {
            Api.Answer(200, $$$"""{"ok": true, "ts": "17.{{{i}}}"}""");
        }

        var sent = await Channel().SendAsync(result, "C1", null, ChunkCursor.Start, CancellationToken.None);

        var bodies = Api.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal((SendOutcome.Delivered, "17.1", bodies.Count), (sent.Outcome, sent.RemoteId, sent.ChunksSent));
        Assert.True(bodies.Count >= 4);
        Assert.False(bodies[0].TryGetProperty("thread_ts", out _));
        Assert.All(bodies.Skip(1), b => Assert.Equal("17.1", b.GetProperty("thread_ts").GetString()));
        Assert.All(bodies, b => Assert.InRange(b.GetProperty("text").GetString()!.Length, 1, SlackChannel.MessageLimit));
    }

    [Fact]
    public async Task SendAsync_TellsTheCursorAfterEachChunkButTheLast_SoATryItsDaemonDiesInGoesOnFromThere()
    {
        var result = Results.WithParagraphs(3, 2500);
        for (var i = 1; i <= 3; i++)
        {
            Api.Answer(200, $$$"""{"ok": true, "ts": "18.{{{i}}}"}""");
        }

        var kept = new List<ChunkCursor>();
        var sent = await Channel().SendAsync(result, "C1", null, ChunkCursor.Start with { Taken = c => { kept.Add(c); return Task.CompletedTask; } }, CancellationToken.None);

        Assert.Equal((SendOutcome.Delivered, 3), (sent.Outcome, sent.ChunksSent));
        Assert.Equal([new ChunkCursor(1, "18.1"), new ChunkCursor(2, "18.1")], kept);
    }

    [Theory]
    [InlineData("channel_not_found", SendOutcome.Failed)]
    [InlineData("invalid_auth", SendOutcome.Failed)]
    [InlineData("ratelimited", SendOutcome.Retry)]
    [InlineData("internal_error", SendOutcome.Retry)]
    public async Task SendAsync_ReadsSlacksOwnErrors_AsFinalOrPassing(string error, SendOutcome expected)
    {
        Api.Answer(200, $$"""{"ok": false, "error": "{{error}}"}""");

        var sent = await Channel().SendAsync(Results.Succeeded, "C1", "17.0", ChunkCursor.Start, CancellationToken.None);

        Assert.Equal(expected, sent.Outcome);
        Assert.Equal($"Slack refused the message: {error}", sent.Error);
    }

    [Fact]
    public async Task SendAsync_WaitsAsLongAsA429Asks_WithoutTheToken()
    {
        Api.Answer(429, "", retryAfter: "30");

        var sent = await Channel().SendAsync(Results.Succeeded, "C1", "17.0", ChunkCursor.Start, CancellationToken.None);

        Assert.Equal((SendOutcome.Retry, TimeSpan.FromSeconds(30), 0), (sent.Outcome, sent.RetryAfter, sent.ChunksSent));
        Assert.DoesNotContain(Token, sent.Error, StringComparison.Ordinal);
    }

    private SlackChannel Channel() => new(Http, new BotOptions(Api.Url, Token, TimeSpan.FromSeconds(10)), Time);
}
