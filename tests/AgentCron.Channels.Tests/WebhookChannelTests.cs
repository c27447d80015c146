using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentCron.TestKit;

namespace AgentCron.Channels.Tests;

/// <summary>The webhook client against a real HTTP listener on loopback that records what it received and answers as told.</summary>
public sealed class WebhookChannelTests : IDisposable
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly string Secret = "whsec_" + Convert.ToBase64String(Key);
    private static readonly RunResult Result = new("tsk_1", "check the deploy", "run_1", 2, "succeeded", new DateTimeOffset(2026, 12, 7, 9, 30, 0, TimeSpan.Zero), "all green", null, new Uri("https://agentcron.example/runs/run_1"));

    private readonly HttpListener _listener = new();
    private readonly HttpClient _http = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 9, 30, 5, TimeSpan.Zero));
    private readonly Uri _url;

    public WebhookChannelTests()
    {
        _url = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/hook/");
        _listener.Prefixes.Add(_url.ToString());
        _listener.Start();
    }

    [Fact]
    public async Task SendAsync_PostsTheResultAsJson_SignedAsStandardWebhooksSays()
    {
        var received = Receive(200);

        var sent = await Channel().SendAsync(Result, "dlv_1", CancellationToken.None);

        Assert.Equal(SendOutcome.Delivered, sent.Outcome);
        var (headers, body) = await received;
        Assert.Equal("dlv_1", headers["webhook-id"]);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), headers["webhook-timestamp"]);
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
        var received = Receive(status);

        var sent = await Channel().SendAsync(Result, "dlv_1", CancellationToken.None);
        await received;

        Assert.Equal(expected, sent.Outcome);
        Assert.Contains($"answered {status}", sent.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_WaitsAsLongAsA429Asks()
    {
        var received = Receive(429, retryAfter: "7");

        var sent = await Channel().SendAsync(Result, "dlv_1", CancellationToken.None);
        await received;

        Assert.Equal((SendOutcome.Retry, TimeSpan.FromSeconds(7)), (sent.Outcome, sent.RetryAfter));
    }

    [Fact]
    public async Task SendAsync_TriesAgain_WhenNothingListens()
    {
        _listener.Stop();

        var sent = await Channel().SendAsync(Result, "dlv_1", CancellationToken.None);

        Assert.Equal(SendOutcome.Retry, sent.Outcome);
        Assert.Contains("could not reach the webhook", sent.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_TriesAgain_WhenTheReceiverDoesNotAnswerInTime()
    {
        var arrived = new TaskCompletionSource();
        var answer = new TaskCompletionSource();
        var received = Receive(200, arrived: arrived, hold: answer.Task);

        var sending = Channel(TimeSpan.FromSeconds(10)).SendAsync(Result, "dlv_1", CancellationToken.None);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(10));
        var sent = await sending.WaitAsync(TimeSpan.FromSeconds(30));
        answer.SetResult();
        await received;

        Assert.Equal(SendOutcome.Retry, sent.Outcome);
        Assert.Contains("did not answer within", sent.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _listener.Close();
        _http.Dispose();
    }

    private WebhookChannel Channel(TimeSpan? timeout = null) => new(_http, new WebhookOptions(_url, Secret, timeout ?? TimeSpan.FromSeconds(30)), _time);

    /// <summary>Answers the next request with <paramref name="status"/>, after <paramref name="hold"/> (<paramref name="arrived"/> says it came); returns its headers and body.</summary>
    private async Task<(System.Collections.Specialized.NameValueCollection Headers, string Body)> Receive(int status, string? retryAfter = null, TaskCompletionSource? arrived = null, Task? hold = null)
    {
        var context = await _listener.GetContextAsync();
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        arrived?.SetResult();
        if (hold is not null)
        {
            await hold;
        }

        context.Response.StatusCode = status;
        if (retryAfter is not null)
        {
            context.Response.AddHeader("Retry-After", retryAfter);
        }

        try
        {
            context.Response.Close();
        }
        catch (HttpListenerException)
        {
            // The client gave up waiting (the timeout test): nobody reads the answer.
        }

        return (context.Request.Headers, body);
    }
}
