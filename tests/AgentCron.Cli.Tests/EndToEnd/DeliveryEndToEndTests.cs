using System.Globalization;
using System.Text.Json;
using AgentCron.TestKit;

namespace AgentCron.Cli.Tests.EndToEnd;

/// <summary>
/// The outbox with real <c>agentcron serve</c> processes: a daemon killed between a run's completion and its delivery
/// sends it once after its restart, and two daemons on one PostgreSQL deliver every result exactly once.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DeliveryEndToEndTests : IAsyncLifetime, IDisposable
{
    private static readonly string[] HookOnly = ["hook"];

    private readonly TempDirectory _dir = new();
    private readonly FakePlatforms _platforms = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _platforms.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task DaemonKilledBetweenARunsCompletionAndItsDelivery_SendsItOnceAfterItsRestart()
    {
        var home = Home("single");
        // Slack is down: every post is answered 503 until the daemon has been killed.
        _platforms.Answer = request => request.PathAndQuery.StartsWith("/slack/", StringComparison.Ordinal) ? new FakeHttpReply(503, "{}") : null;
        var daemon = await DaemonProcess.StartAsync(home, Settings());
        string runId;
        try
        {
            var created = await daemon.CliAsync("task", "create", "--command", "echo deploy is green", "--prompt", "report", "--thread", "slack:C1:1700.1", "--run-now", "--json");
            Assert.True(created.ExitCode == 0, created.ToString());
            var taskId = JsonDocument.Parse(created.Stdout).RootElement.GetProperty("id").GetString()!;
            runId = await Eventually.GetAsync(async () => (await daemon.RunsAsync(taskId)).Where(r => r.GetProperty("status").GetString() == "succeeded").Select(r => r.GetProperty("id").GetString()).SingleOrDefault(), TimeSpan.FromSeconds(60), "the run to succeed");
            await Eventually.TrueAsync(async () => (await DeliveriesAsync(daemon, runId)).Any(d => d.GetProperty("attempts").GetInt32() >= 1 && d.GetProperty("lastError").GetString() is { } e && e.Contains("503", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "a refused try of the delivery");
        }
        finally
        {
            daemon.Kill();
            await daemon.DisposeAsync();
        }

        var refused = _platforms.SlackPosts.Count;
        _platforms.Answer = null;
        await using var restarted = await DaemonProcess.StartAsync(home, Settings());
        var delivered = (await Eventually.GetAsync(async () => await DeliveriesAsync(restarted, runId) is [var one] && one.GetProperty("status").GetString() == "delivered" ? new[] { one } : null, TimeSpan.FromSeconds(90), "the delivery after the restart"))[0];

        // Every try before the kill was refused; after the restart the message went out once, into the thread.
        var post = Assert.Single(_platforms.SlackPosts.Skip(refused));
        Assert.Equal(("C1", "1700.1"), (post.Channel, post.Thread));
        Assert.Contains("deploy is green", post.Text, StringComparison.Ordinal);
        Assert.True(delivered.GetProperty("attempts").GetInt32() >= 2);
        var shown = await restarted.CliAsync("runs", "show", runId);
        Assert.Contains($"slack:C1:1700.1 (result): delivered after {delivered.GetProperty("attempts").GetInt32()} tries, message {delivered.GetProperty("remoteId").GetString()}", shown.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoDaemonsOnPostgres_DeliverEveryResultExactlyOnce()
    {
        const int Tasks = 60;
        var database = await PostgresServer.Shared.CreateDatabaseAsync("delivery");
        var daemons = new List<DaemonProcess>();
        try
        {
            var db = new Dictionary<string, string> { ["AGENTCRON__DB"] = $"postgres:{PostgresServer.Shared.ConnectionString(database)}" };
            daemons.AddRange(await Task.WhenAll(Enumerable.Range(0, 2).Select(i => DaemonProcess.StartAsync(Home($"node-{i}"), Settings(db)))));
            var clients = daemons.Select(d => d.Api()).ToList();
            await Parallel.ForEachAsync(Enumerable.Range(0, Tasks), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            {
                using var response = await clients[i % 2].PostAsync("/api/tasks", DaemonProcess.Json(new
                {
                    name = $"report {i}",
                    instructions = "report",
                    trigger = new { @in = $"{3 + (i % 5)}s" },
                    agent = new { command = $"echo report {i}" },
                    deliver = HookOnly,
                }), ct);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(ct));
            });

            var delivered = await Eventually.GetAsync(
                async () => await AllDeliveriesAsync(daemons[0]) is { Count: Tasks } all && all.All(d => d.GetProperty("status").GetString() == "delivered") ? all : null,
                TimeSpan.FromMinutes(3),
                $"{Tasks} deliveries to be delivered");
            foreach (var client in clients)
            {
                client.Dispose();
            }

            var posts = _platforms.HookPosts;
            Assert.Equal(
                delivered.Select(d => d.GetProperty("id").GetString()).Order(StringComparer.Ordinal),
                posts.Select(p => p.Id).Order(StringComparer.Ordinal));
            Assert.Equal(Tasks, posts.Select(p => p.Body.GetProperty("data").GetProperty("runId").GetString()).Distinct().Count());
        }
        finally
        {
            foreach (var daemon in daemons)
            {
                await daemon.DisposeAsync();
            }

            await PostgresServer.Shared.DropDatabaseAsync(database);
        }
    }

    /// <summary>A data directory with a config.yaml naming the fake Slack and webhook, the webhook's secret in a file beside it.</summary>
    private string Home(string name)
    {
        var home = Directory.CreateDirectory(_dir.File(name)).FullName;
        File.WriteAllText(Path.Combine(home, "hook.secret"), "whsec_" + Convert.ToBase64String(new byte[32]));
        File.WriteAllText(Path.Combine(home, "config.yaml"), _platforms.SlackAndHookYaml("AGENTCRON_TEST_SLACK_TOKEN", "hook.secret") + """
            Deliveries:
              RetryBaseDelay: 00:00:01
              RetryMaxDelay: 00:00:02
              TryTimeout: 00:00:05
            """);
        return home;
    }

    private static Dictionary<string, string> Settings(Dictionary<string, string>? more = null)
    {
        var settings = new Dictionary<string, string>(more ?? [])
        {
            ["AGENTCRON_TEST_SLACK_TOKEN"] = "xoxb-end-to-end",
            ["AGENTCRON__ENGINE__SHUTDOWNGRACE"] = "00:00:00",
        };
        return settings;
    }

    private static async Task<List<JsonElement>> DeliveriesAsync(DaemonProcess daemon, string runId)
    {
        var list = await daemon.CliAsync("deliveries", "list", "--run", runId, "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        return [.. JsonDocument.Parse(list.Stdout).RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone())];
    }

    private static async Task<List<JsonElement>> AllDeliveriesAsync(DaemonProcess daemon)
    {
        using var client = daemon.Api();
        var deliveries = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = JsonDocument.Parse(await client.GetStringAsync($"/api/deliveries?limit=500{(cursor is null ? "" : $"&cursor={cursor}")}")).RootElement;
            deliveries.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.Clone()));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        return deliveries;
    }
}
