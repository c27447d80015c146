using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentCron.Core.Contracts;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

public class TasksApiTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private ApiClient Api => fixture.Api;

    public static TheoryData<string, string> UnknownIdRoutes => new()
    {
        { "GET", "/api/tasks/t_missing" },
        { "PATCH", "/api/tasks/t_missing" },
        { "DELETE", "/api/tasks/t_missing" },
        { "POST", "/api/tasks/t_missing/pause" },
        { "POST", "/api/tasks/t_missing/resume" },
        { "POST", "/api/tasks/t_missing/run" },
        { "POST", "/api/tasks/t_missing/cancel" },
        { "GET", "/api/runs/r_missing" },
        { "GET", "/api/runs/r_missing/log" },
        { "GET", "/api/runs/r_missing/log/stream" },
        { "POST", "/api/runs/r_missing/cancel" },
        { "GET", "/api/runs?task=t_missing" },
    };

    [Theory]
    [MemberData(nameof(UnknownIdRoutes))]
    public async Task Route_Returns404_WhenIdIsUnknown(string method, string path)
    {
        using var response = await Api.SendAsync(new HttpMethod(method), path, method == "PATCH" ? """{"name":"x"}""" : null);

        await ApiClient.AssertStatusAsync(HttpStatusCode.NotFound, response);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("does not exist", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateTask_Returns201WithLocationAndDefaults_WhenBodyIsMinimal()
    {
        using var response = await Api.SendAsync(HttpMethod.Post, "/api/tasks", """{"instructions":"Check the deploy\nand report","agent":{"command":"echo"}}""");

        await ApiClient.AssertStatusAsync(HttpStatusCode.Created, response);
        var task = await ApiClient.ReadAsync<TaskView>(response);
        Assert.Equal($"/api/tasks/{task.Id}", response.Headers.Location?.OriginalString);
        Assert.StartsWith("t_", task.Id, StringComparison.Ordinal);
        Assert.Equal("Check the deploy", task.Name);
        Assert.StartsWith("check-the-deploy", task.Slug, StringComparison.Ordinal);
        Assert.Equal("active", task.Status);
        Assert.Null(task.Trigger);
        Assert.Null(task.NextFireAt);
        Assert.Equal("command", task.Agent.Provider);
        Assert.Equal(1, task.Version);
        Assert.Null(task.RunId);
        Assert.Equal(Stored(task), Stored(await Api.GetTaskAsync(task.Slug)));
    }

    [Fact]
    public async Task CreateTask_Returns409_WhenExplicitSlugIsTaken()
    {
        var slug = "dup-" + Guid.NewGuid().ToString("N");
        await Api.CreateTaskAsync(new { instructions = "a", slug, agent = new { command = "echo" } });

        using var response = await Api.SendAsync(HttpMethod.Post, "/api/tasks", ApiClient.Json(new { instructions = "b", slug, agent = new { command = "echo" } }));

        await ApiClient.AssertStatusAsync(HttpStatusCode.Conflict, response);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UpdateTask_Returns409_WhenSlugIsTakenByAnotherTask()
    {
        var taken = await Api.CreateTaskAsync(new { instructions = "a", slug = "taken-" + Guid.NewGuid().ToString("N"), agent = new { command = "echo" } });
        var other = await Api.CreateCommandTaskAsync("echo");

        using var response = await Api.SendAsync(HttpMethod.Patch, $"/api/tasks/{other.Id}", ApiClient.Json(new { slug = taken.Slug }));

        await ApiClient.AssertStatusAsync(HttpStatusCode.Conflict, response);
        Assert.Equal(other.Slug, (await Api.GetTaskAsync(other.Id)).Slug);
    }

    [Fact]
    public async Task CreateTask_QueuesRunAndReturnsItsId_WhenRunNowIsTrue()
    {
        var task = await Api.CreateTaskAsync(new { instructions = "x", trigger = new { every = "1h" }, agent = new { command = "echo ran" }, runNow = true });

        var runs = await Api.ExpectAsync<PageView<RunView>>(HttpMethod.Get, $"/api/runs?task={task.Id}", HttpStatusCode.OK);

        var run = Assert.Single(runs.Items);
        Assert.Equal(run.Id, task.RunId);
        Assert.Equal("manual", run.Trigger);
        Assert.Equal("ran", (await Api.WaitForRunAsync(run.Id, "succeeded")).Output);
    }

    [Fact]
    public async Task CreateTask_NumbersGeneratedSlug_WhenNameRepeats()
    {
        var name = "Repeated " + Guid.NewGuid().ToString("N")[..8];
        var first = await Api.CreateTaskAsync(new { instructions = "a", name, agent = new { command = "echo" } });
        var second = await Api.CreateTaskAsync(new { instructions = "a", name, agent = new { command = "echo" } });

        Assert.Equal(first.Slug + "-2", second.Slug);
    }

    [Fact]
    public async Task UpdateTask_ChangesOnlyGivenMembersAndBumpsVersion()
    {
        var created = await Api.CreateTaskAsync(new
        {
            name = "original",
            instructions = "do a",
            trigger = new { every = "1h" },
            agent = new { command = "echo a" },
            thread = "slack:C1:123",
            policies = new { timeout = "5m", retries = 1, overlap = "queue" },
        });

        var renamed = await Api.ExpectAsync<TaskView>(HttpMethod.Patch, $"/api/tasks/{created.Id}", HttpStatusCode.OK, new { name = "renamed" });

        Assert.Equal("renamed", renamed.Name);
        Assert.Equal(created.Version + 1, renamed.Version);
        Assert.Equal(Stored(created with { Name = "renamed", Version = renamed.Version, UpdatedAt = renamed.UpdatedAt }), Stored(renamed));

        var retried = await Api.ExpectAsync<TaskView>(HttpMethod.Patch, $"/api/tasks/{created.Id}", HttpStatusCode.OK, new { policies = new { retries = 3 } });

        Assert.Equal(created.Policies with { Retries = 3 }, retried.Policies);
        Assert.Equal(created.Version + 2, retried.Version);
        Assert.Equal("renamed", retried.Name);
        Assert.Equal(Stored(retried), Stored(await Api.GetTaskAsync(created.Id)));
    }

    /// <summary>
    /// The task as the store gives it back: instants kept to the microsecond; no targets as one list (a list compares by
    /// reference); no warnings (they are only in the answer to a change).
    /// </summary>
    private static TaskView Stored(TaskView task) => task with
    {
        Deliver = task.Deliver.Count == 0 ? NoTargets : task.Deliver,
        Warnings = null,
        Trigger = task.Trigger is { } trigger ? trigger with { Anchor = Micros(trigger.Anchor) } : null,
        NextFireAt = Micros(task.NextFireAt),
        LastRunAt = Micros(task.LastRunAt),
        CreatedAt = Micros(task.CreatedAt)!.Value,
        UpdatedAt = Micros(task.UpdatedAt)!.Value,
    };

    private static readonly IReadOnlyList<string> NoTargets = [];

    private static DateTimeOffset? Micros(DateTimeOffset? instant) =>
        instant is { } i ? new DateTimeOffset(i.UtcTicks - (i.UtcTicks % 10), TimeSpan.Zero) : null;

    [Fact]
    public async Task UpdateTask_Returns409_WhenIfMatchVersionIsStale()
    {
        var task = await Api.CreateCommandTaskAsync("echo");

        using (var current = await Api.SendAsync(HttpMethod.Patch, $"/api/tasks/{task.Id}", """{"name":"first"}""", ifMatch: $"\"{task.Version}\""))
        {
            await ApiClient.AssertStatusAsync(HttpStatusCode.OK, current);
        }

        using var stale = await Api.SendAsync(HttpMethod.Patch, $"/api/tasks/{task.Id}", """{"name":"second"}""", ifMatch: $"\"{task.Version}\"");

        await ApiClient.AssertStatusAsync(HttpStatusCode.Conflict, stale);
        Assert.Equal("first", (await Api.GetTaskAsync(task.Id)).Name);
    }

    [Fact]
    public async Task PauseAndResume_ClearAndSetNextFireAt_WhenTaskIsRecurring()
    {
        var task = await Api.CreateTaskAsync(new { instructions = "x", trigger = new { cron = "0 9 1 1 *", tz = "Europe/Berlin" }, agent = new { command = "echo" } });
        Assert.NotNull(task.NextFireAt);

        var paused = await Api.ExpectAsync<TaskView>(HttpMethod.Post, $"/api/tasks/{task.Id}/pause", HttpStatusCode.OK);
        Assert.Equal("paused", paused.Status);
        Assert.Null(paused.NextFireAt);
        Assert.Null((await Api.GetTaskAsync(task.Id)).NextFireAt);

        var resumed = await Api.ExpectAsync<TaskView>(HttpMethod.Post, $"/api/tasks/{task.Id}/resume", HttpStatusCode.OK);
        Assert.Equal("active", resumed.Status);
        Assert.Equal(task.NextFireAt, resumed.NextFireAt);
        Assert.Equal(task.NextFireAt, (await Api.GetTaskAsync(task.Id)).NextFireAt);
    }

    [Fact]
    public async Task CreateTask_IsPausedWithoutNextFireAt_WhenActiveIsFalse()
    {
        var task = await Api.CreateTaskAsync(new { instructions = "x", trigger = new { every = "1h" }, agent = new { command = "echo" }, active = false });

        Assert.Equal("paused", task.Status);
        Assert.Null(task.NextFireAt);
    }

    [Fact]
    public async Task PauseAndResume_Return409_WhenOneTimeTaskHasFinished()
    {
        var task = await Api.CreateTaskAsync(new { instructions = "x", trigger = new { at = "now" }, agent = new { command = "true" } });
        await Eventually.TrueAsync(async () => (await Api.GetTaskAsync(task.Id)).Status == "succeeded", TimeSpan.FromSeconds(20), "the one-time task to succeed");

        using (var pause = await Api.SendAsync(HttpMethod.Post, $"/api/tasks/{task.Id}/pause"))
        {
            await ApiClient.AssertStatusAsync(HttpStatusCode.Conflict, pause);
        }

        using var resume = await Api.SendAsync(HttpMethod.Post, $"/api/tasks/{task.Id}/resume");
        await ApiClient.AssertStatusAsync(HttpStatusCode.Conflict, resume);
    }

    [Fact]
    public async Task CancelTask_Returns409NamingItsState_WhenTaskHasEndedAndNothingRuns()
    {
        var task = await Api.CreateTaskAsync(new { instructions = "x", trigger = new { at = "now" }, agent = new { command = "true" } });
        await Eventually.TrueAsync(async () => (await Api.GetTaskAsync(task.Id)).Status == "succeeded", TimeSpan.FromSeconds(20), "the one-time task to succeed");

        using var cancel = await Api.SendAsync(HttpMethod.Post, $"/api/tasks/{task.Id}/cancel");

        await ApiClient.AssertStatusAsync(HttpStatusCode.Conflict, cancel);
        Assert.Contains($"task '{task.Slug}' has already ended (succeeded)", await cancel.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("succeeded", (await Api.GetTaskAsync(task.Id)).Status);
    }

    [Fact]
    public async Task CancelTask_EndsOneTimeTaskCancelled_WhenItHasNotRun()
    {
        var task = await Api.CreateTaskAsync(new { instructions = "x", trigger = new { @in = "2h" }, agent = new { command = "true" } });

        var cancelled = await Api.ExpectAsync<TaskView>(HttpMethod.Post, $"/api/tasks/{task.Id}/cancel", HttpStatusCode.OK);

        Assert.Equal("cancelled", cancelled.Status);
        Assert.Null(cancelled.NextFireAt);
        using var pause = await Api.SendAsync(HttpMethod.Post, $"/api/tasks/{task.Id}/pause");
        await ApiClient.AssertStatusAsync(HttpStatusCode.Conflict, pause);
    }

    [Fact]
    public async Task DeleteTask_Returns204AndRemovesTask()
    {
        var task = await Api.CreateCommandTaskAsync("echo");

        using (var delete = await Api.SendAsync(HttpMethod.Delete, $"/api/tasks/{task.Id}"))
        {
            await ApiClient.AssertStatusAsync(HttpStatusCode.NoContent, delete);
        }

        using var get = await Api.SendAsync(HttpMethod.Get, $"/api/tasks/{task.Id}");
        await ApiClient.AssertStatusAsync(HttpStatusCode.NotFound, get);
    }
}

public class TaskListingTests
{
    [Fact]
    public async Task ListTasks_PagesThroughEveryTaskOnce_WhenLimitIsSmallerThanCount()
    {
        await using var daemon = await TestDaemon.StartAsync();
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add((await api.CreateCommandTaskAsync($"echo {i}")).Id);
        }

        var pages = new List<PageView<TaskView>>();
        string? cursor = null;
        do
        {
            var page = await api.ExpectAsync<PageView<TaskView>>(HttpMethod.Get, $"/api/tasks?limit=3{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}", HttpStatusCode.OK);
            pages.Add(page);
            cursor = page.NextCursor;
        }
        while (cursor is not null && pages.Count < 10);

        Assert.Equal([3, 3, 1], pages.Select(p => p.Items.Count));
        Assert.Equal(created, pages.SelectMany(p => p.Items).Select(t => t.Id)); // oldest first, no duplicates, none left out
    }

    [Fact]
    public async Task ListTasks_ReturnsOnlyMatchingTasks_WhenStatusIsGiven()
    {
        await using var daemon = await TestDaemon.StartAsync();
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);
        var active = await api.CreateTaskAsync(new { instructions = "a", trigger = new { every = "1h" }, agent = new { command = "echo" } });
        var paused = await api.CreateTaskAsync(new { instructions = "p", trigger = new { every = "1h" }, agent = new { command = "echo" }, active = false });
        var cancelled = await api.CreateTaskAsync(new { instructions = "c", trigger = new { @in = "1h" }, agent = new { command = "echo" } });
        await api.ExpectAsync<TaskView>(HttpMethod.Post, $"/api/tasks/{cancelled.Id}/cancel", HttpStatusCode.OK);

        async Task<IEnumerable<string>> IdsAsync(string query) =>
            (await api.ExpectAsync<PageView<TaskView>>(HttpMethod.Get, "/api/tasks" + query, HttpStatusCode.OK)).Items.Select(t => t.Id);

        Assert.Equal([active.Id], await IdsAsync("?status=active"));
        Assert.Equal([paused.Id], await IdsAsync("?status=paused"));
        Assert.Equal([cancelled.Id], await IdsAsync("?status=cancelled"));
        Assert.Empty(await IdsAsync("?status=succeeded"));
        Assert.Equal([active.Id, paused.Id, cancelled.Id], await IdsAsync(""));
    }

    [Fact]
    public async Task Agents_ListsEachProviderWithTheDefault()
    {
        await using var daemon = await TestDaemon.StartAsync();
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);

        var agents = await api.ExpectAsync<List<AgentView>>(HttpMethod.Get, "/api/agents", HttpStatusCode.OK);

        Assert.Equal(["claudecode", "codex", "command", "gemini", "kilo", "openai", "opencode", "qwen"], agents.Select(a => a.Provider));
        var command = agents.Single(a => a.Provider == "command");
        Assert.True(command.IsDefault && command.Available);
        Assert.Equal(["claude"], agents.Single(a => a.Provider == "claudecode").Aliases);
        Assert.Equal(["gemini-cli"], agents.Single(a => a.Provider == "gemini").Aliases);
    }
}
