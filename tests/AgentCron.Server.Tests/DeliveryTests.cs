using System.Net;
using AgentCron.Core;
using AgentCron.Core.Contracts;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

/// <summary>
/// The outbox in the real daemon: results posted to a local server that speaks Slack's Web API and a webhook receiver,
/// the deliveries in the API, channels checked and tested, and configuration errors named by file, line and key.
/// </summary>
public sealed class DeliveryTests : IAsyncLifetime, IDisposable
{
    private const string SlackToken = "xoxb-delivery-tests-secret";

    private static readonly string[] HookOnly = ["hook"];

    private readonly TempDirectory _home = new();
    private readonly FakePlatforms _platforms = new();
    private readonly string _tokenVariable = "AGENTCRON_TEST_SLACK_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private TestDaemon _daemon = null!;
    private ApiClient _api = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(_tokenVariable, SlackToken);
        File.WriteAllText(_home.File("hook.secret"), "whsec_" + Convert.ToBase64String(new byte[32]));
        File.WriteAllText(_home.File("config.yaml"), _platforms.SlackAndHookYaml(_tokenVariable, "hook.secret") + """
            Deliveries:
              RetryBaseDelay: 00:00:01
              PublicUrl: https://agentcron.example/
            """);
        _daemon = await TestDaemon.StartAsync(_home.Path);
        _api = new ApiClient(_daemon.App.Address, _daemon.App.Token);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _daemon.DisposeAsync();
        await _platforms.DisposeAsync();
        Environment.SetEnvironmentVariable(_tokenVariable, null);
    }

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task RunOnAThread_IsPostedIntoIt_AndToItsOtherTargets_AndShowsItsDeliveries()
    {
        var task = await _api.CreateTaskAsync(new { instructions = "report", agent = new { command = "echo deploy is green" }, thread = "slack:C1:1700.1", deliver = HookOnly, runNow = true });
        Assert.Equal(["hook"], task.Deliver);
        var run = await _api.WaitForFinishAsync(task.RunId!);

        var shown = await DeliveredAsync(run.Id, 2);

        var post = Assert.Single(_platforms.SlackPosts);
        Assert.Equal(("C1", "1700.1"), (post.Channel, post.Thread));
        Assert.Contains("deploy is green", post.Text, StringComparison.Ordinal);
        Assert.Contains($"https://agentcron.example/runs/{run.Id}", post.Text, StringComparison.Ordinal);
        Assert.Equal($"Bearer {SlackToken}", _platforms.Requests.First(r => r.PathAndQuery == "/slack/chat.postMessage").Authorization);
        var hook = Assert.Single(_platforms.HookPosts);
        Assert.Equal(shown.Single(d => d.Target == "hook").Id, hook.Id);
        Assert.Equal(run.Id, hook.Body.GetProperty("data").GetProperty("runId").GetString());
        Assert.Equal(["delivered", "delivered"], shown.Select(d => d.Status));
        Assert.NotNull(shown.Single(d => d.Target == "slack:C1:1700.1").RemoteId);
        var listed = await _api.ExpectAsync<PageView<DeliveryView>>(HttpMethod.Get, $"/api/deliveries?run={run.Id}&status=delivered", HttpStatusCode.OK);
        Assert.Equal(2, listed.Items.Count);

        using var again = await _api.PostAsync($"/api/deliveries/{hook.Id}/retry");
        await ApiClient.AssertStatusAsync(HttpStatusCode.Conflict, again);
    }

    [Fact]
    public async Task DeliveryRefusedForGood_IsDead_AndARetrySendsIt()
    {
        _platforms.Answer = request => request.PathAndQuery == "/slack/chat.postMessage" ? new FakeHttpReply(200, """{"ok": false, "error": "not_in_channel"}""") : null;
        var task = await _api.CreateTaskAsync(new { instructions = "report", agent = new { command = "echo hi" }, thread = "slack:C2:17.2", runNow = true });
        await _api.WaitForFinishAsync(task.RunId!);

        var dead = await Eventually.GetAsync(
            async () => (await _api.ExpectAsync<PageView<DeliveryView>>(HttpMethod.Get, "/api/deliveries?status=dead", HttpStatusCode.OK)).Items.SingleOrDefault(d => d.RunId == task.RunId),
            TimeSpan.FromSeconds(30),
            "the delivery to be dead");
        Assert.Equal((1, "Slack refused the message: not_in_channel"), (dead.Attempts, dead.LastError));

        _platforms.Answer = null;
        var retried = await _api.ExpectAsync<DeliveryView>(HttpMethod.Post, $"/api/deliveries/{dead.Id}/retry", HttpStatusCode.OK);
        Assert.Equal(("pending", 0), (retried.Status, retried.Attempts));

        var delivered = Assert.Single(await DeliveredAsync(task.RunId!, 1));
        Assert.Equal(1, delivered.Attempts);
        Assert.Equal(2, _platforms.Requests.Count(r => r.PathAndQuery == "/slack/chat.postMessage"));
    }

    [Fact]
    public async Task Channels_AreListedWithTheirHealth_AndATestMessageGoesWhereItIsTold()
    {
        var channels = await _api.ExpectAsync<List<ChannelView>>(HttpMethod.Get, "/api/channels", HttpStatusCode.OK);

        Assert.Equal([("hook", "webhook", "unchecked"), ("slack", "slack", "ok")], channels.Select(c => (c.Name, c.Type, c.Health)));
        var test = await _api.ExpectAsync<ChannelTestView>(HttpMethod.Post, "/api/channels/slack/test?thread=C7:17.5", HttpStatusCode.OK);
        Assert.True(test.Delivered, test.Error);
        var post = Assert.Single(_platforms.SlackPosts);
        Assert.Equal(("C7", "17.5"), (post.Channel, post.Thread));
        Assert.Contains("AgentCron test message", post.Text, StringComparison.Ordinal);
        using var unknown = await _api.PostAsync("/api/channels/teams/test");
        await ApiClient.AssertStatusAsync(HttpStatusCode.NotFound, unknown);
        using var noPlace = await _api.PostAsync("/api/channels/slack/test");
        await ApiClient.AssertInvalidAsync(noPlace, "thread");
    }

    [Theory]
    [InlineData("teams:C1", "no channel is named 'teams'; configured: hook (webhook), slack (slack)")]
    [InlineData("slack", "channel 'slack' has no default place; write slack:PLACE")]
    [InlineData("slack::T1", "is not a delivery target")]
    public async Task CreateTask_RefusesATargetNoChannelServes_NamingTheConfiguredOnes(string target, string reason)
    {
        using var response = await _api.SendAsync(HttpMethod.Post, "/api/tasks", ApiClient.Json(new { instructions = "x", agent = new { command = "true" }, deliver = new[] { target } }));

        var problem = await ApiClient.AssertInvalidAsync(response, "deliver");
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FollowUp_DeliversOnlyWhereItsCreatorDoes()
    {
        var tokenFile = Path.Combine(Path.GetTempPath(), $"agentcron-token-{Guid.NewGuid():N}");
        try
        {
            var creator = await _api.CreateTaskAsync(new { instructions = "x", agent = new { command = $"sh -c 'echo $AGENTCRON_TOKEN > {tokenFile}; sleep 600'" }, thread = "slack:C1:17.1", runNow = true });
            var token = await Eventually.GetAsync(() => Task.FromResult(File.Exists(tokenFile) && File.ReadAllText(tokenFile).Trim() is { Length: > 0 } t ? t : null), TimeSpan.FromSeconds(30), "the run's token");
            using var agent = new ApiClient(_daemon.App.Address, token);

            using var sameChat = await agent.SendAsync(HttpMethod.Post, "/api/tasks", ApiClient.Json(new { instructions = "later", trigger = new { @in = "1h" }, thread = "slack:C1:17.1" }));
            using var elsewhere = await agent.SendAsync(HttpMethod.Post, "/api/tasks", ApiClient.Json(new { instructions = "later", trigger = new { @in = "1h" }, deliver = HookOnly }));
            using var otherChat = await agent.SendAsync(HttpMethod.Post, "/api/tasks", ApiClient.Json(new { instructions = "later", trigger = new { @in = "1h" }, thread = "slack:C-general" }));

            await ApiClient.AssertStatusAsync(HttpStatusCode.Created, sameChat);
            await ApiClient.AssertStatusAsync(HttpStatusCode.Forbidden, elsewhere);
            await ApiClient.AssertStatusAsync(HttpStatusCode.Forbidden, otherChat);
            Assert.Contains("delivers only where it does; 'hook' is not one of its chats (slack:C1)", await elsewhere.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            await _api.PostAsync($"/api/runs/{creator.RunId}/cancel");
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    private Task<IReadOnlyList<DeliveryView>> DeliveredAsync(string runId, int count) =>
        Eventually.GetAsync(
            async () => (await _api.GetRunAsync(runId)).Deliveries is { } all && all.Count == count && all.All(d => d.Status == "delivered") ? all : null,
            TimeSpan.FromSeconds(30),
            $"{count} deliveries of run {runId} to be delivered");
}

/// <summary>The Channels and Deliveries sections refuse what the daemon cannot use, naming file, line and key, and never echoing a secret.</summary>
public sealed class DeliveryConfigurationTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Theory]
    [InlineData("Channels:\n  slack:\n    Token: xoxb-inline-secret-1\n", ":3 (Channels:slack:Token)", "a secret is never written in config.yaml")]
    [InlineData("Channels:\n  slack:\n    Token: env:AGENTCRON_TEST_NEVER_SET\n", ":3 (Channels:slack:Token)", "the environment variable AGENTCRON_TEST_NEVER_SET (from env:AGENTCRON_TEST_NEVER_SET) is not set")]
    [InlineData("Channels:\n  slack:\n    Token: file:/nonexistent/slack.token\n", ":3 (Channels:slack:Token)", "cannot read the file '/nonexistent/slack.token'")]
    [InlineData("Channels:\n  ops:\n    Type: sms\n", ":3 (Channels:ops:Type)", "is not a channel type; use one of: slack, discord")]
    [InlineData("Channels:\n  slack:\n    Tokn: env:X\n", ":3 (Channels:slack:Tokn)", "unknown setting 'Tokn'")]
    [InlineData("Deliveries:\n  MaxAttempts: 0\n", ":2 (Deliveries:MaxAttempts)", "must be at least 1")]
    [InlineData("Channels:\n  ops:\n    Type: webhook\n    Url: https://hooks.example/x\n", ":2 (Channels:ops:Secret)", "a webhook channel needs its signing secret")]
    [InlineData("Deliveries:\n  PublicUrl: ftp://x/\n", ":2 (Deliveries:PublicUrl)", "must be an http or https address")]
    public void Create_NamesFileLineAndKey_OfAChannelOrOutboxSettingItCannotUse(string yaml, string where, string reason)
    {
        File.WriteAllText(_home.File("config.yaml"), yaml);

        var error = Assert.Throws<InvalidFieldException>(() => AgentCronApp.Create(new ServeOptions(Home: _home.Path, Urls: "http://127.0.0.1:0")));

        Assert.StartsWith(_home.File("config.yaml"), error.Field, StringComparison.Ordinal);
        Assert.Contains(where, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("xoxb-inline-secret-1", error.Message, StringComparison.Ordinal);
    }
}
