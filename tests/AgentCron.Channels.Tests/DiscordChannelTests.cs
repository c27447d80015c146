using System.Text.Json;

namespace AgentCron.Channels.Tests;

/// <summary>The Discord client against a local server that records what Discord's REST API would have received.</summary>
public sealed class DiscordChannelTests : ChannelTest
{
    private const string Token = "bot-token-0123456789";

    [Fact]
    public async Task SendAsync_PostsToTheThread_AsTheBot_MentioningNobody()
    {
        Api.Answer(200, """{"id": "msg_1"}""");
        var result = Results.Succeeded with { Output = "all green @everyone" };

        var sent = await Channel().SendAsync(result, "C1", "T1", ChunkCursor.Start, CancellationToken.None);

        Assert.Equal((SendOutcome.Delivered, "msg_1", 1), (sent.Outcome, sent.RemoteId, sent.ChunksSent));
        var request = Assert.Single(Api.Requests);
        Assert.Equal("/api/channels/T1/messages", request.PathAndQuery);
        Assert.Equal($"Bot {Token}", request.Headers["Authorization"]);
        using var body = JsonDocument.Parse(request.Body);
        var content = body.RootElement.GetProperty("content").GetString()!;
        Assert.StartsWith("✅ **check the deploy** — succeeded (run `run_1`, attempt 2)", content, StringComparison.Ordinal);
        Assert.Contains("all green @everyone", content, StringComparison.Ordinal);
        Assert.EndsWith("https://agentcron.example/runs/run_1", content, StringComparison.Ordinal);
        Assert.Equal(0, body.RootElement.GetProperty("allowed_mentions").GetProperty("parse").GetArrayLength());
    }

    [Fact]
    public async Task SendAsync_PostsToTheChannel_WhenThereIsNoThread_AndAFailureCarriesItsError()
    {
        var result = Results.Succeeded with { Status = "failed", Output = null, Error = "exit code 2: deploy not found" };

        await Channel().SendAsync(result, "C1", null, ChunkCursor.Start, CancellationToken.None);

        var request = Assert.Single(Api.Requests);
        Assert.Equal("/api/channels/C1/messages", request.PathAndQuery);
        var content = JsonDocument.Parse(request.Body).RootElement.GetProperty("content").GetString()!;
        Assert.StartsWith("❌ **check the deploy** — failed", content, StringComparison.Ordinal);
        Assert.Contains("exit code 2: deploy not found", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SplitsALongResult_IntoMessagesOfAtMost2000_InOrder()
    {
        var code = string.Join('\n', Enumerable.Range(1, 200).Select(i => $"line {i:000}: ok"));
        var result = Results.Succeeded with { Output = $"{new string('x', 1500)}\n\n```text\n{code}\n```" };

        var sent = await Channel().SendAsync(result, "C1", "T1", ChunkCursor.Start, CancellationToken.None);

        var contents = Api.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("content").GetString()!).ToList();
        Assert.True(contents.Count >= 3);
        Assert.Equal((SendOutcome.Delivered, contents.Count), (sent.Outcome, sent.ChunksSent));
        Assert.All(contents, c => Assert.InRange(c.Length, 1, DiscordChannel.MessageLimit));
        Assert.All(contents.Where(c => c.Contains("line 1", StringComparison.Ordinal)), c => Assert.Equal(2, c.Split('\n').Count(l => l.StartsWith("```", StringComparison.Ordinal))));
        Assert.Equal(Enumerable.Range(1, 200).Select(i => $"line {i:000}: ok"), contents.SelectMany(c => c.Split('\n')).Where(l => l.StartsWith("line ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SendAsync_StopsAtA429_WithDiscordsWait_AndTheNextTryGoesOnWhereItStopped()
    {
        var result = Results.WithParagraphs(3, 1500);
        Api.Answer(200, """{"id": "msg_1"}""");
        Api.Answer(429, """{"message": "You are being rate limited.", "retry_after": 1.5, "global": false}""", retryAfter: "2");

        var first = await Channel().SendAsync(result, "C1", null, ChunkCursor.Start, CancellationToken.None);
        Assert.Equal((SendOutcome.Retry, TimeSpan.FromSeconds(1.5), 1, "msg_1"), (first.Outcome, first.RetryAfter, first.ChunksSent, first.RemoteId));

        var second = await Channel().SendAsync(result, "C1", null, new ChunkCursor(first.ChunksSent), CancellationToken.None);

        Assert.Equal((SendOutcome.Delivered, 3), (second.Outcome, second.ChunksSent));
        var posted = Api.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("content").GetString()!).ToList();
        Assert.Equal(4, posted.Count); // the first, the refused second, the second again, the third
        Assert.Equal(posted[1], posted[2]);
        Assert.Equal(3, posted.Distinct().Count());
    }

    [Fact]
    public async Task SendAsync_GivesUp_WhenDiscordRefuses_WithoutTheToken()
    {
        Api.Answer(403, """{"message": "Missing Access", "code": 50001}""");

        var sent = await Channel().SendAsync(Results.Succeeded, "C1", "T1", ChunkCursor.Start, CancellationToken.None);

        Assert.Equal(SendOutcome.Failed, sent.Outcome);
        Assert.Contains("Discord answered 403", sent.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, sent.Error, StringComparison.Ordinal);
    }

    private DiscordChannel Channel() => new(Http, new BotOptions(Api.Url, Token, TimeSpan.FromSeconds(10)), Time);
}
