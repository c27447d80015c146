using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;
using Xunit;

namespace AgentCron.TestKit.StoreCompliance;

public abstract partial class StoreComplianceTests
{
    public static TheoryData<string> TriggerKinds => ["none", "at", "every", "cron", "window"];

    private static Trigger? TriggerOf(string kind) => kind switch
    {
        "at" => new AtTrigger(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.FromHours(1))),
        "every" => Trigger.Create(TriggerKind.Every, "15m", null, T0.AddSeconds(7)),
        "cron" => Trigger.Create(TriggerKind.Cron, "30 8 * * 1-5", "Europe/Berlin", null),
        "window" => Trigger.Create(TriggerKind.Window, "22:00-02:00", "Asia/Shanghai", null),
        _ => null,
    };

    [Theory]
    [MemberData(nameof(TriggerKinds))]
    public async Task CreateAsync_RoundTripsEveryField_WhenFoundByIdOrSlug(string triggerKind)
    {
        var task = NewTask(TriggerOf(triggerKind), T0.AddMinutes(5), slug: "deploy-check-" + triggerKind) with
        {
            StatusReason = "created by the suite",
            Agent = new AgentSelection { Provider = "claudecode", Model = "opus", Command = "claude -p", Cwd = "/srv/app", Permissions = AgentPermissions.Edit },
            Thread = new ThreadAnchor("slack", "C024BE91L", "1700000000.000100"),
            Policies = new TaskPolicies
            {
                Timeout = TimeSpan.FromMinutes(7),
                Retries = 4,
                Overlap = OverlapPolicy.Replace,
                Misfire = MisfirePolicy.All,
                CatchUp = TimeSpan.FromHours(3),
                Jitter = TimeSpan.FromSeconds(45),
                MaxConsecutiveFailures = 9,
            },
            LastRunId = "r_previous",
            LastRunAt = T0.AddMinutes(-10).AddTicks(10),
            LastRunStatus = RunStatus.TimedOut,
            LastSummary = "summary ✓",
            LastError = "it broke",
            ConsecutiveFailures = 3,
        };

        await Store.Tasks.CreateAsync(task, null, None);

        Assert.Equal(task, await Store.Tasks.FindAsync(task.Id, None));
        Assert.Equal(task, await Store.Tasks.FindAsync(task.Slug, None));
    }

    [Fact]
    public async Task FindAsync_ReturnsNull_WhenTaskDoesNotExist()
    {
        await CreateTaskAsync();

        Assert.Null(await Store.Tasks.FindAsync("t_missing", None));
    }

    [Fact]
    public async Task CreateAsync_InsertsFirstRun_WhenGiven()
    {
        var task = NewTask();
        var run = NewRun(task);

        await Store.Tasks.CreateAsync(task, run, None);

        Assert.Equal(run, await Store.Runs.FindAsync(run.Id, None));
    }

    [Fact]
    public async Task CreateAsync_ThrowsConflictAndWritesNothing_WhenSlugIsTaken()
    {
        var first = await CreateTaskAsync(slug: "nightly");
        var second = NewTask(slug: "nightly");
        var run = NewRun(second);

        await Assert.ThrowsAsync<ConflictException>(() => Store.Tasks.CreateAsync(second, run, None));

        Assert.Null(await Store.Tasks.FindAsync(second.Id, None));
        Assert.Null(await Store.Runs.FindAsync(run.Id, None));
        Assert.Equal(first, await Store.Tasks.FindAsync("nightly", None));
    }

    [Fact]
    public async Task CreateAsync_FailsOnlyTheConflictingWrite_WhenManyWritesArriveTogether()
    {
        var tasks = Enumerable.Range(0, 30).Select(i => NewTask(slug: i == 29 ? "slug-7" : $"slug-{i}")).ToList();

        var attempts = tasks.Select(t => Store.Tasks.CreateAsync(t, NewRun(t), None)).ToList();
        var failed = 0;
        foreach (var attempt in attempts)
        {
            try
            {
                await attempt;
            }
            catch (ConflictException)
            {
                failed++;
            }
        }

        Assert.Equal(1, failed);
        var stored = await AllTasksAsync();
        Assert.Equal(29, stored.Count);
        Assert.Equal(29, (await AllRunsAsync()).Count);
        Assert.Equal(29, stored.Select(t => t.Slug).Distinct().Count());
    }

    [Fact]
    public async Task UpdateAsync_ReplacesDefinitionAndIncrementsVersion_WhenVersionMatches()
    {
        var task = await CreateTaskAsync(slug: "digest");
        var changed = task with
        {
            Name = "PR digest",
            Slug = "pr-digest",
            Instructions = "rewrite the digest",
            Trigger = Trigger.Create(TriggerKind.Cron, "0 9 * * *", "UTC", null),
            NextFireAt = T0.AddHours(1),
            Status = TaskState.Paused,
            StatusReason = "paused by user",
            Policies = task.Policies with { Retries = 0, Overlap = OverlapPolicy.Queue },
            UpdatedAt = T0.AddMinutes(1),
        };

        await UpdateTaskAsync(changed, 1);

        Assert.Equal(changed with { Version = 2 }, await Store.Tasks.FindAsync("pr-digest", None));
        Assert.Null(await Store.Tasks.FindAsync("digest", None));
    }

    [Fact]
    public async Task UpdateAsync_WithoutAVersion_ChangesTheTaskAsTheEngineLeftIt_InsteadOfLosingOrRefusing()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);
        var read = await FindTaskAsync(task.Id);
        // The engine writes the task between the client's read and its pause (a run ends).
        Assert.True(await Store.Runs.CompleteAsync(run.Id, 1, "node-a", c => Finish(c, RunStatus.Succeeded, T0.AddSeconds(5), output: "done"), [], None));
        AgentTask? seen = null;

        var paused = await Store.Tasks.UpdateAsync(task.Id, null, current => (seen = current) with { Status = TaskState.Paused, StatusReason = "paused by user" }, None);

        Assert.Equal(read.Version + 1, seen!.Version);
        Assert.Equal((TaskState.Paused, RunStatus.Succeeded, "done", read.Version + 2), (paused.Status, paused.LastRunStatus, paused.LastSummary, paused.Version));
        Assert.Equal(paused, await FindTaskAsync(task.Id));
        await Assert.ThrowsAsync<ConflictException>(() => Store.Tasks.UpdateAsync(task.Id, read.Version, t => t with { Name = "stale" }, None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.Tasks.UpdateAsync(task.Id, null, _ => throw new InvalidOperationException("refused"), None));
        Assert.Equal(paused, await FindTaskAsync(task.Id));
    }

    [Fact]
    public async Task UpdateAsync_ThrowsConflictAndKeepsFirstWrite_WhenVersionIsStale()
    {
        var task = await CreateTaskAsync();
        await UpdateTaskAsync(task with { Name = "first" }, 1);

        await Assert.ThrowsAsync<ConflictException>(() => UpdateTaskAsync(task with { Name = "second" }, 1));

        var stored = await FindTaskAsync(task.Id);
        Assert.Equal("first", stored.Name);
        Assert.Equal(2, stored.Version);
    }

    [Fact]
    public async Task UpdateAsync_ThrowsConflict_WhenVersionIsStaleOnAnotherInstance()
    {
        var other = await OpenMigratedAsync();
        var task = await CreateTaskAsync();
        await UpdateTaskAsync(task with { Name = "from the other daemon" }, 1, other);

        await Assert.ThrowsAsync<ConflictException>(() => UpdateTaskAsync(task with { Name = "stale" }, 1));
        Assert.Equal("from the other daemon", (await FindTaskAsync(task.Id)).Name);
    }

    [Fact]
    public async Task UpdateAsync_ThrowsNotFound_WhenTaskIsGone()
    {
        var task = NewTask();

        await Assert.ThrowsAsync<NotFoundException>(() => UpdateTaskAsync(task, 1));
    }

    [Fact]
    public async Task UpdateAsync_ThrowsConflict_WhenNewSlugIsTaken()
    {
        await CreateTaskAsync(slug: "taken");
        var task = await CreateTaskAsync(slug: "mine");

        await Assert.ThrowsAsync<ConflictException>(() => UpdateTaskAsync(task with { Slug = "taken" }, 1));
        Assert.Equal("mine", (await FindTaskAsync(task.Id)).Slug);
    }

    [Fact]
    public async Task DeleteAsync_RemovesTaskWithRunsAndLogs_WhenTaskExists()
    {
        var task = await CreateTaskAsync();
        var keep = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        var other = await InsertRunAsync(keep);
        await Store.Logs.AppendAsync(run.Id, LogEntries("stdout", 1, 3), None);
        await Store.Logs.AppendAsync(other.Id, LogEntries("stdout", 1, 2), None);

        Assert.True(await Store.Tasks.DeleteAsync(task.Id, None));

        Assert.Null(await Store.Tasks.FindAsync(task.Id, None));
        Assert.Null(await Store.Runs.FindAsync(run.Id, None));
        Assert.Empty(await ReadLogAsync(run.Id));
        Assert.Equal(2, (await ReadLogAsync(other.Id)).Count);
        Assert.False(await Store.Tasks.DeleteAsync(task.Id, None));
    }

    [Fact]
    public async Task ListAsync_PagesThroughEveryTaskInCreationOrder_WhenLimited()
    {
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add((await CreateTaskAsync()).Id);
        }

        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await Store.Tasks.ListAsync(new TaskQuery(Cursor: cursor, Limit: 3), None);
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items.Select(t => t.Id));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(created, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task ListAsync_ReturnsNoCursor_WhenEverythingFitsOnePage()
    {
        await CreateTaskAsync();
        await CreateTaskAsync();

        var page = await Store.Tasks.ListAsync(new TaskQuery(Limit: 2), None);

        Assert.Equal(2, page.Items.Count);
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task ListAsync_ReturnsOnlyMatchingStatus_AcrossPages()
    {
        var paused = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var task = await CreateTaskAsync(status: i % 2 == 0 ? TaskState.Paused : TaskState.Active);
            if (task.Status == TaskState.Paused)
            {
                paused.Add(task.Id);
            }
        }

        var first = await Store.Tasks.ListAsync(new TaskQuery(TaskState.Paused, Limit: 2), None);
        var second = await Store.Tasks.ListAsync(new TaskQuery(TaskState.Paused, first.NextCursor, 2), None);

        Assert.NotNull(first.NextCursor);
        Assert.Null(second.NextCursor);
        Assert.Equal(paused, first.Items.Concat(second.Items).Select(t => t.Id));
        Assert.Empty((await Store.Tasks.ListAsync(new TaskQuery(TaskState.Failed), None)).Items);
    }

    [Fact]
    public async Task ListAsync_FiltersByAgentThreadPrefixAndSearch_TakingWildcardsAsText()
    {
        async Task<AgentTask> Create(string name, string provider, string? thread)
        {
            var task = NewTask() with { Name = name, Agent = new AgentSelection { Provider = provider }, Thread = thread is null ? null : ThreadAnchor.Parse(thread, "thread") };
            await Store.Tasks.CreateAsync(task, null, None);
            return task;
        }

        var deploy = await Create("Check the DEPLOY", "claudecode", "slack:C1:17.1");
        var digest = await Create("morning digest", "codex", "slack:C1");
        var percent = await Create("100% done_check", "claudecode", "slack:C2:17.2");

        string[] Ids(Page<AgentTask> page) => [.. page.Items.Select(t => t.Id)];
        Assert.Equal([deploy.Id, percent.Id], Ids(await Store.Tasks.ListAsync(new TaskQuery(Agent: "claudecode"), None)));
        Assert.Equal([deploy.Id, digest.Id], Ids(await Store.Tasks.ListAsync(new TaskQuery(Thread: "slack:C1"), None)));
        Assert.Equal([deploy.Id], Ids(await Store.Tasks.ListAsync(new TaskQuery(Search: "deploy"), None)));
        Assert.Equal([percent.Id], Ids(await Store.Tasks.ListAsync(new TaskQuery(Search: "0% DONE_"), None)));
        Assert.Empty(Ids(await Store.Tasks.ListAsync(new TaskQuery(Search: "%"), None)).Except([percent.Id]));
        Assert.Equal([digest.Id], Ids(await Store.Tasks.ListAsync(new TaskQuery(Agent: "codex", Thread: "slack:C1", Search: "digest"), None)));
    }

    [Fact]
    public async Task NextFireAtAsync_ReturnsEarliestOfActiveTasks_IgnoringPausedAndUnscheduled()
    {
        Assert.Null(await Store.Tasks.NextFireAtAsync(None));
        await CreateTaskAsync(nextFireAt: T0.AddMinutes(-30), status: TaskState.Paused);
        await CreateTaskAsync();
        await CreateTaskAsync(nextFireAt: T0.AddMinutes(20));
        await CreateTaskAsync(nextFireAt: T0.AddMinutes(10));

        Assert.Equal(T0.AddMinutes(10), await Store.Tasks.NextFireAtAsync(None));
    }

    [Fact]
    public async Task ReopenAsync_KeepsTasksRunsAndLogs_WhenStoreIsReopened()
    {
        var task = await CreateTaskAsync(nextFireAt: T0);
        var run = await InsertRunAsync(task);
        await Store.Logs.AppendAsync(run.Id, LogEntries("stdout", 1, 2), None);

        await ReopenAsync();

        Assert.Equal(task, await Store.Tasks.FindAsync(task.Id, None));
        Assert.Equal(run, await Store.Runs.FindAsync(run.Id, None));
        Assert.Equal([1, 2], Numbers(await ReadLogAsync(run.Id)));
    }
}
