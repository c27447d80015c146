using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AgentCron.Channels.Tests;

/// <summary>The webhook client against a real HTTP listener on loopback that records what it received and answers as told.</summary>
public sealed class WebhookChannelTests : ChannelTest
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly string Secret = "whsec_" + Convert.ToBase64String(Key);

    [Fact]
    public async Task SendAsync_PostsTheResultAsJson_SignedAsStandardWebhooksSays()
    {
        var sent = await Channel().SendAsync(Results.Succeeded, "dlv_1", CancellationToken.None);

        Assert.Equal(SendOutcome.Delivered, sent.Outcome);
        var received = Assert.Single(Api.Requests);
        var (headers, body) = (received.Headers, received.Body);
        Assert.Equal("dlv_1", headers["webhook-id"]);
        Assert.Equal(Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), headers["webhook-timestamp"]);
        Assert.StartsWith("application/json", headers["Content-Type"], StringComparison.Ordinal);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes($"dlv_1.{headers["webhook-timestamp"]}.{body}")));
        Assert.Equal($"v1,{expected}", headers["webhook-signature"]);

        using var json = JsonDocument.Parse(body);
        Assert.Equal("run.finished", json.RootElement.GetProperty("type").GetString());
        var data = json.RootElement.GetProperty("data");
        Assert.Equal(("run_1", 2, "succeeded", "all green", "check the deploy"), (data.GetProperty("runId").GetString(), data.GetProperty("attempt").GetInt32(), data.GetProperty("status").GetString(), data.GetProperty("output").GetString(), data.GetProperty("taskName").GetString()));
        Assert.Equal("https://agentcron.example/runs/run_1", data.GetProperty("runUrl").GetString());
        Assert.DoesNotContain(Secret[6..], body + string.Join(' ', headers.AllKeys.Select(k => headers[k])), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500, SendOutcome.Retry)]
    [InlineData(503, SendOutcome.Retry)]
    [InlineData(408, SendOutcome.Retry)]
    [InlineData(400, SendOutcome.Failed)]
    [InlineData(404, SendOutcome.Failed)]
    [InlineData(410, SendOutcome.Failed)]
    public async Task SendAsync_TriesAgainWhenTheReceiverFailsForNow_AndGivesUpWhenItRefuses(int status, SendOutcome expected)
    {
        Api.Answer(status);

        var sent = await Channel().SendAsync(Results.Succeeded, "dlv_1", CancellationToken.None);

        Assert.Equal(expected, sent.Outcome);
        Assert.Contains($"answered {status}", sent.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_WaitsAsLongAsA429Asks()
    {
        Api.Answer(429, retryAfter: "7");

        var sent = await Channel().SendAsync(Results.Succeeded, "dlv_1", CancellationToken.None);

        Assert.Equal((SendOutcome.Retry, TimeSpan.FromSeconds(7)), (sent.Outcome, sent.RetryAfter));
    }

    [Fact]
    public async Task SendAsync_TriesAgain_WhenNothingListens()
    {
        Api.Stop();

        var sent = await Channel().SendAsync(Results.Succeeded, "dlv_1", CancellationToken.None);

        Assert.Equal(SendOutcome.Retry, sent.Outcome);
        Assert.Contains("could not reach the webhook", sent.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_TriesAgain_WhenTheReceiverDoesNotAnswerInTime()
    {
        var answer = new TaskCompletionSource();
        Api.Answer(200, hold: answer.Task);

        var sending = Channel().SendAsync(Results.Succeeded, "dlv_1", CancellationToken.None);
        await Api.Holding.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Time.Advance(TimeSpan.FromSeconds(10));
        var sent = await sending.WaitAsync(TimeSpan.FromSeconds(30));
        answer.SetResult();

        Assert.Equal(SendOutcome.Retry, sent.Outcome);
        Assert.Contains("did not answer within 10 s", sent.Error, StringComparison.Ordinal);
    }

    private WebhookChannel Channel() => new(Http, new WebhookOptions(Api.Url, Secret, TimeSpan.FromSeconds(10)), Time);
}
