using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentCron.Channels.Tests;

/// <summary>The Telegram client against a local server that records what the Bot API would have received.</summary>
public sealed partial class TelegramChannelTests : ChannelTest
{
    private const string Token = "123456:telegram-secret-token";

    [Fact]
    public async Task SendAsync_SendsHtml_ToTheForumTopic_WithTheAgentsTextEscaped()
    {
        Api.Answer(200, """{"ok": true, "result": {"message_id": 42}}""");
        var result = Results.Succeeded with { Output = "a < b && c > d <script>alert(1)</script>\n\n```sh\necho \"<hi>\"\n```" };

        var sent = await Channel().SendAsync(result, "-100123", "7", ChunkCursor.Start, CancellationToken.None);

        Assert.Equal((SendOutcome.Delivered, "42", 1), (sent.Outcome, sent.RemoteId, sent.ChunksSent));
        var request = Assert.Single(Api.Requests);
        Assert.Equal($"/api/bot{Token}/sendMessage", request.PathAndQuery);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(("-100123", 7L, "HTML"), (body.GetProperty("chat_id").GetString(), body.GetProperty("message_thread_id").GetInt64(), body.GetProperty("parse_mode").GetString()));
        Assert.False(body.TryGetProperty("reply_parameters", out _));
        var text = body.GetProperty("text").GetString()!;
        Assert.StartsWith("✅ <b>check the deploy</b> — succeeded (run <code>run_1</code>, attempt 2)", text, StringComparison.Ordinal);
        Assert.Contains("a &lt; b &amp;&amp; c &gt; d &lt;script&gt;alert(1)&lt;/script&gt;", text, StringComparison.Ordinal);
        Assert.Contains("<pre><code class=\"language-sh\">echo &quot;&lt;hi&gt;&quot;</code></pre>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SplitsALongResult_AndEveryLaterChunkRepliesToTheFirst()
    {
        var result = Results.WithParagraphs(5, 3000);
        for (var id = 100; id < 110; id++)
        {
            Api.Answer(200, $$$"""{"ok": true, "result": {"message_id": {{{id}}}}}""");
        }

        var sent = await Channel().SendAsync(result, "-100123", null, ChunkCursor.Start, CancellationToken.None);

        var bodies = Api.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal((SendOutcome.Delivered, "100", bodies.Count), (sent.Outcome, sent.RemoteId, sent.ChunksSent));
        Assert.True(bodies.Count >= 5);
        Assert.All(bodies, b => Assert.InRange(Visible(b.GetProperty("text").GetString()!).Length, 1, TelegramChannel.MessageLimit));
        Assert.False(bodies[0].TryGetProperty("reply_parameters", out _));
        Assert.All(bodies.Skip(1), b => Assert.Equal(100, b.GetProperty("reply_parameters").GetProperty("message_id").GetInt64()));
        Assert.All(bodies, b => Assert.False(b.TryGetProperty("message_thread_id", out _)));
    }

    [Fact]
    public async Task SendAsync_StopsAtA429_WithTelegramsWait_AndGoesOnFromThereRepliedToTheFirst()
    {
        var result = Results.WithParagraphs(3, 3000);
        Api.Answer(200, """{"ok": true, "result": {"message_id": 5}}""");
        Api.Answer(429, """{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 9", "parameters": {"retry_after": 9}}""");

        var first = await Channel().SendAsync(result, "-100123", null, ChunkCursor.Start, CancellationToken.None);
        Assert.Equal((SendOutcome.Retry, TimeSpan.FromSeconds(9), 1, "5"), (first.Outcome, first.RetryAfter, first.ChunksSent, first.RemoteId));

        var second = await Channel().SendAsync(result, "-100123", null, new ChunkCursor(first.ChunksSent, first.RemoteId), CancellationToken.None);

        Assert.Equal(SendOutcome.Delivered, second.Outcome);
        var resumed = JsonDocument.Parse(Api.Requests[2].Body).RootElement;
        Assert.Equal(5, resumed.GetProperty("reply_parameters").GetProperty("message_id").GetInt64());
    }

    [Theory]
    [InlineData("**a `b** c`", "**a <code>b** c</code>")]
    [InlineData("`f(**a, **b)` and **bold**", "<code>f(**a, **b)</code> and <b>bold</b>")]
    [InlineData("**x** `y` **z**", "<b>x</b> <code>y</code> <b>z</b>")]
    public void Html_NeverOverlapsBoldAndCode(string markdown, string html)
    {
        Assert.Equal(html, TelegramChannel.Html(markdown));
    }

    [Fact]
    public async Task SendAsync_Fails_ForATopicThatIsNoNumber_WithoutAsking()
    {
        var sent = await Channel().SendAsync(Results.Succeeded, "-100123", "general", ChunkCursor.Start, CancellationToken.None);

        Assert.Equal(SendOutcome.Failed, sent.Outcome);
        Assert.Contains("'general' is not a Telegram forum topic", sent.Error, StringComparison.Ordinal);
        Assert.Empty(Api.Requests);
    }

    [Fact]
    public async Task SendAsync_GivesUp_WhenTelegramRefuses_AndTheErrorNeverCarriesTheToken()
    {
        Api.Answer(403, """{"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}""");

        var sent = await Channel().SendAsync(Results.Succeeded, "-100123", null, ChunkCursor.Start, CancellationToken.None);

        Assert.Equal(SendOutcome.Failed, sent.Outcome);
        Assert.Contains("Telegram answered 403", sent.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, sent.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_TriesAgain_WithoutTheToken_WhenTelegramCannotBeReached()
    {
        Api.Stop();

        var sent = await Channel().SendAsync(Results.Succeeded, "-100123", null, ChunkCursor.Start, CancellationToken.None);

        Assert.Equal(SendOutcome.Retry, sent.Outcome);
        Assert.DoesNotContain(Token, sent.Error, StringComparison.Ordinal);
    }

    /// <summary>The text as Telegram shows it: tags gone, entities one character each.</summary>
    private static string Visible(string html) => System.Net.WebUtility.HtmlDecode(Tag().Replace(html, ""));

    private TelegramChannel Channel() => new(Http, new BotOptions(Api.Url, Token, TimeSpan.FromSeconds(10)), Time);

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();
}
