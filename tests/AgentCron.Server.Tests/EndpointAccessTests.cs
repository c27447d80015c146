using System.Net;
using AgentCron.Core.Contracts;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

/// <summary>A daemon with a running run (and its token), a finished run (and its token) and a follow-up of the running one.</summary>
public sealed class RunTokenDaemonFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _home = new();

    // Runs write their tokens here, outside the data directory they cannot reach.
    private readonly TempDirectory _out = new();

    public TestDaemon Daemon { get; private set; } = null!;

    public ApiClient Api { get; private set; } = null!;

    public RunView Running { get; private set; } = null!;

    public string RunningToken { get; private set; } = "";

    public RunView Finished { get; private set; } = null!;

    public string FinishedToken { get; private set; } = "";

    /// <summary>A one-time task the running run created: in its run chain.</summary>
    public TaskView FollowUp { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllText(_home.File("config.yaml"), "Engine:\n  ShutdownGrace: 00:00:00\n");
        Daemon = await TestDaemon.StartAsync(_home.Path);
        Api = new ApiClient(Daemon.App.Address, Daemon.App.Token);
        (Running, RunningToken) = await RunAsync("running", "sleep 600");
        (Finished, FinishedToken) = await RunAsync("finished", "true");
        Finished = await Api.WaitForFinishAsync(Finished.Id);
        using var agent = new ApiClient(Daemon.App.Address, RunningToken);
        FollowUp = await agent.CreateTaskAsync(new { instructions = "later", trigger = new { @in = "1h" } });
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Daemon.DisposeAsync();
    }

    public void Dispose()
    {
        _home.Dispose();
        _out.Dispose();
    }

    private async Task<(RunView Run, string Token)> RunAsync(string name, string then)
    {
        var file = _out.File(name);
        var task = await Api.CreateTaskAsync(new
        {
            instructions = name,
            agent = new { command = $"sh -c 'echo $AGENTCRON_TOKEN > {file}; {then}'" },
            policies = new { retries = 0 },
            runNow = true,
        });
        var token = await Eventually.GetAsync(() => Task.FromResult(File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } t ? t : null), TimeSpan.FromSeconds(30), $"the {name} run's token");
        var runs = await Api.ExpectAsync<PageView<RunView>>(HttpMethod.Get, $"/api/runs?task={task.Id}", HttpStatusCode.OK);
        return (Assert.Single(runs.Items), token);
    }
}

/// <summary>
/// Who may call what, for every route the daemon maps (read from its endpoint data source, so a new route cannot be
/// forgotten): no token or a wrong one → 401 except on the documented open routes; a running run's token → its
/// documented scope or 403; a finished run's token → 401.
/// </summary>
public sealed class EndpointAccessTests(RunTokenDaemonFixture fixture) : IClassFixture<RunTokenDaemonFixture>
{
    /// <summary>The routes that need no token (docs/api.md): health, and the web UI's sign-in page and assets, which show no data.</summary>
    private static readonly HashSet<string> Open = ["GET /api/health", "GET /sign-in", "GET /ui/app.css", "GET /ui/app.js"];

    private const string TaskBody = """{"instructions":"x","trigger":{"in":"1h"},"agent":{"command":"true"}}""";

    private ApiClient Api => fixture.Api;

    /// <summary>The API's routes; the web UI's pages need its cookie instead (<see cref="UiAccessTests"/>).</summary>
    private IReadOnlyList<MappedRoute> Routes => [.. MappedRoute.Of(fixture.Daemon.App).Where(r => !r.Ui)];

    [Fact]
    public async Task EveryMappedRoute_Returns401_WhenTheTokenIsMissingOrWrong()
    {
        string[] tokens = ["", "wrong", "act_" + new string('0', 64), Api.Token[..^1], Api.Token + "x", "acr_r_missing.00", Altered(fixture.RunningToken)];
        var failures = new List<string>();

        foreach (var route in Routes.Where(r => !Open.Contains(r.ToString())))
        {
            // Malformed query values too: parameter binding must not answer (400) before the token is checked.
            foreach (var path in new[] { route.Path(_ => "t_missing"), route.Path(_ => "x") + "?limit=abc&count=-1&after=x&status=nope" })
            {
                foreach (var (token, which) in tokens.Select((t, i) => (t, i)))
                {
                    using var response = await Api.SendAsync(new HttpMethod(route.Method), path, route.Method is "POST" or "PATCH" ? TaskBody : null, token: token);
                    if (response.StatusCode != HttpStatusCode.Unauthorized
                        || !response.Headers.WwwAuthenticate.Any(h => h.Scheme == "Bearer")
                        || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    {
                        failures.Add($"{route} as {path} with wrong token #{which}: {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType}");
                    }
                }
            }
        }

        Assert.Empty(failures);
        Assert.Contains(Routes, r => r.ToString() == "GET /api/nodes");
    }

    /// <summary>The token with its last character changed (replacing it with a fixed one kept it 1 time in 16: a flake).</summary>
    private static string Altered(string token) => token[..^1] + (token[^1] == '0' ? '1' : '0');

    [Fact]
    public async Task OpenRoutes_Answer200_WithoutAToken()
    {
        Assert.Subset(Routes.Select(r => r.ToString()).ToHashSet(), Open);
        foreach (var route in Open)
        {
            using var response = await Api.SendAsync(HttpMethod.Get, route.Split(' ')[1], token: "");
            await ApiClient.AssertStatusAsync(HttpStatusCode.OK, response);
        }
    }

    [Theory]
    [InlineData("GET", "/api/nope", 404, null)]
    [InlineData("GET", "/openapi/v2.json", 404, null)]
    [InlineData("POST", "/api/health", 405, "GET")]
    [InlineData("TRACE", "/api/tasks", 405, "GET, POST")]
    [InlineData("DELETE", "/mcp", 405, "POST")]
    public async Task UnknownRoutesAndMethods_AnswerAProblemDocument_NotPlainText(string method, string path, int status, string? allow)
    {
        using var response = await Api.SendAsync(new HttpMethod(method), path);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        if (allow is not null)
        {
            Assert.Contains($"takes {allow} only", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RunToken_ReachesItsScopeAndIsRefusedElsewhere_OnEveryMappedRoute()
    {
        var task = fixture.FollowUp.Id;
        var run = fixture.Running.Id;
        // Route → whether a running run's token may call it, and the request that shows it.
        var expected = new Dictionary<string, (bool Allowed, string Path, string? Body)>
        {
            ["GET /api/agents"] = (true, "/api/agents", null),
            ["GET /api/channels"] = (false, "/api/channels", null),
            ["POST /api/channels/{name}/test"] = (false, "/api/channels/slack/test", null),
            ["GET /api/deliveries"] = (false, "/api/deliveries", null),
            ["GET /api/deliveries/{id}"] = (false, "/api/deliveries/d_missing", null),
            ["POST /api/deliveries/{id}/retry"] = (false, "/api/deliveries/d_missing/retry", null),
            ["GET /api/nodes"] = (false, "/api/nodes", null),
            ["POST /api/ui/link"] = (false, "/api/ui/link", null),
            ["GET /api/preview"] = (true, "/api/preview?every=1h", null),
            ["GET /api/runs"] = (true, "/api/runs", null),
            ["GET /api/runs/{id}"] = (true, $"/api/runs/{run}", null),
            ["GET /api/runs/{id}/log"] = (true, $"/api/runs/{run}/log", null),
            ["GET /api/runs/{id}/log/stream"] = (true, $"/api/runs/{fixture.Finished.Id}/log/stream", null),
            ["POST /api/runs/{id}/cancel"] = (true, "/api/runs/r_missing/cancel", null),
            ["GET /api/tasks"] = (true, "/api/tasks", null),
            ["POST /api/tasks"] = (true, "/api/tasks", """{"instructions":"later","trigger":{"in":"1h"}}"""),
            ["GET /api/tasks/{id}"] = (true, $"/api/tasks/{task}", null),
            ["PATCH /api/tasks/{id}"] = (false, $"/api/tasks/{task}", """{"name":"mine now"}"""),
            ["DELETE /api/tasks/{id}"] = (false, $"/api/tasks/{task}", null),
            ["POST /api/tasks/{id}/pause"] = (false, $"/api/tasks/{task}/pause", null),
            ["POST /api/tasks/{id}/resume"] = (false, $"/api/tasks/{task}/resume", null),
            ["POST /api/tasks/{id}/run"] = (false, $"/api/tasks/{task}/run", null),
            ["POST /api/tasks/{id}/cancel"] = (true, $"/api/tasks/{task}/cancel", null),
            ["POST /mcp"] = (true, "/mcp", """{"jsonrpc":"2.0","id":1,"method":"tools/list"}"""),
            ["GET /mcp"] = (true, "/mcp", null),
            ["DELETE /mcp"] = (true, "/mcp", null),
            ["GET /openapi/v1.json"] = (false, "/openapi/v1.json", null),
        };
        Assert.Equal(
            Routes.Select(r => r.ToString()).Where(r => !Open.Contains(r)).Order(StringComparer.Ordinal),
            expected.Keys.Order(StringComparer.Ordinal));

        var failures = new List<string>();
        foreach (var (route, (allowed, path, body)) in expected)
        {
            var method = new HttpMethod(route.Split(' ')[0]);
            using (var response = await Api.SendAsync(method, path, body ?? (method == HttpMethod.Post ? "{}" : null), token: fixture.RunningToken))
            {
                var refused = response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized;
                if (allowed == refused || (!allowed && response.StatusCode != HttpStatusCode.Forbidden))
                {
                    failures.Add($"{route} with a running run's token: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }

            using var finished = await Api.SendAsync(method, path, body, token: fixture.FinishedToken);
            if (finished.StatusCode != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{route} with a finished run's token: {(int)finished.StatusCode}");
            }
        }

        Assert.Empty(failures);
        Assert.Equal("running", (await Api.GetRunAsync(fixture.Running.Id)).Status);
    }
}
