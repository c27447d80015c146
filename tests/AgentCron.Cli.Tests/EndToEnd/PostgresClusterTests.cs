using System.Globalization;
using System.Text.Json;
using AgentCron.TestKit;

namespace AgentCron.Cli.Tests.EndToEnd;

/// <summary>
/// Several real <c>agentcron serve</c> processes on one real PostgreSQL (started by the test kit on loopback): every
/// occurrence runs exactly once, also while daemons are killed and restarted, and a daemon that was frozen past its
/// lease cannot overwrite the result of the attempt another daemon took over.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class PostgresClusterTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan CronInterval = TimeSpan.FromSeconds(2);

    /// <summary>Short, for the tests of recovery: a killed or frozen daemon's runs are taken over after it.</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);
    private readonly TempDirectory _dir = new();
    private readonly Random _random = new(20261122);
    private string _database = "";

    public async Task InitializeAsync() => _database = await PostgresServer.Shared.CreateDatabaseAsync("cluster");

    public Task DisposeAsync() => PostgresServer.Shared.DropDatabaseAsync(_database);

    public void Dispose() => _dir.Dispose();

    private string Journal => _dir.File("journal.txt");

    private ExecutionJournal Executions => new(_dir.File("executions.txt"));

    [Fact]
    public async Task ThreeDaemons_RunEveryOccurrenceExactlyOnce()
    {
        // Nothing here tests recovery: a lease long enough that a busy machine's late heartbeat does not trigger it.
        var daemons = await StartDaemonsAsync(3, lease: TimeSpan.FromSeconds(15));
        try
        {
            var cron = await CreateCronTasksAsync(daemons, 50);
            var oneTime = await CreateOneTimeTasksAsync(daemons, 3_000, spread: TimeSpan.FromSeconds(30));
            // The cron tasks run across the burst of one-time tasks: from when the first of those has run until every cron
            // task has run ten more times (however long a busy machine takes for that); then the burst finishes alone.
            await RanAsync(oneTime, cron, oneTimeRuns: 1, cronRuns: 0);
            await RanAsync(oneTime, cron, oneTimeRuns: 1, cronRuns: 10, after: Executions.Entries());
            await PauseAsync(daemons[0], cron);
            await RanAsync(oneTime, cron, oneTimeRuns: oneTime.Count, cronRuns: 0);

            var runs = await FinishedRunsAsync(daemons[0], oneTime.Count);
            AssertEveryOccurrenceRan(runs, oneTime, cron);
            await AssertEachDaemonWorkedAsync(daemons[0], runs, daemons.Count);
        }
        finally
        {
            await StopAllAsync(daemons);
        }
    }

    [Fact]
    public async Task DaemonsKilledAndRestarted_LoseNothingAndRunNoOccurrenceTwice()
    {
        var daemons = await StartDaemonsAsync(3);
        try
        {
            var cron = await CreateCronTasksAsync(daemons, 20);
            var oneTime = await CreateOneTimeTasksAsync(daemons, 2_000, spread: TimeSpan.FromSeconds(40));

            // Eight times, a few seconds apart, a random daemon dies without warning (SIGKILL) and comes back: counted
            // kills, however long a busy machine takes for them, not kills within a fixed time.
            for (var kills = 0; kills < 8; kills++)
            {
                await Task.Delay(TimeSpan.FromSeconds(3 + _random.NextDouble() * 3));
                var victim = _random.Next(daemons.Count);
                daemons[victim].Kill();
                await daemons[victim].DisposeAsync();
                daemons[victim] = await StartDaemonAsync(victim, Lease);
            }

            await PauseAsync(daemons[0], cron);
            await RanAsync(oneTime, cron, oneTimeRuns: oneTime.Count, cronRuns: 0);
            var runs = await FinishedRunsAsync(daemons[0], oneTime.Count);
            AssertEveryOccurrenceRan(runs, oneTime, cron);
        }
        finally
        {
            await StopAllAsync(daemons);
        }
    }

    [Fact]
    public async Task FrozenDaemon_CannotOverwriteTheAttemptAnotherDaemonTookOver()
    {
        var frozen = await StartDaemonAsync(0, Lease);
        DaemonProcess? other = null;
        try
        {
            using (var api = frozen.Api())
            {
                using var created = await api.PostAsync("/api/tasks", DaemonProcess.Json(new
                {
                    name = "slow",
                    instructions = "take a while",
                    // The first attempt outlasts any slow start of the second daemon (so it is surely still running when its
                    // daemon freezes); it ends only when the daemon that takes the run over kills it. The second is quick.
                    agent = new { command = $"sh -c 'echo \"$AGENTCRON_RUN_ID $AGENTCRON_ATTEMPT start\" >> {Journal}; if [ $AGENTCRON_ATTEMPT = 1 ]; then sleep 120; else sleep 1; fi; echo \"$AGENTCRON_RUN_ID $AGENTCRON_ATTEMPT end\" >> {Journal}'" },
                    policies = new { retries = 3 },
                    runNow = true,
                }));
                Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            }

            var first = await WaitForRunAsync(frozen, r => r.GetProperty("status").GetString() == "running", "the run to start on the first daemon");
            var runId = first.GetProperty("id").GetString()!;
            // The other daemon's own claims get a long lease, so the woken daemon cannot take attempt 2 back.
            other = await StartDaemonAsync(1, TimeSpan.FromSeconds(15));

            // Frozen past its lease (2 s): the other daemon recovers the run and runs it again as attempt 2.
            await frozen.SignalAsync("STOP");
            try
            {
                await WaitForRunAsync(other, r => r.GetProperty("attempt").GetInt32() == 2 && r.GetProperty("status").GetString() == "running", "the other daemon to take the run over");
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}\nruns: {string.Join("\n", await other.AllRunsAsync())}\n--- sessions:\n{await SessionsAsync()}\n--- frozen:\n{frozen.Output}\n--- other:\n{other.Output}", ex);
            }

            await frozen.SignalAsync("CONT");

            var done = await WaitForRunAsync(other, r => r.GetProperty("status").GetString() is "succeeded" or "failed", "the run to finish");

            // The record is the winner's: attempt 2, succeeded, written by the other daemon; the woken daemon wrote nothing.
            Assert.Equal(("succeeded", 2), (done.GetProperty("status").GetString(), done.GetProperty("attempt").GetInt32()));
            using var client = other.Api();
            var log = JsonDocument.Parse(await client.GetStringAsync($"/api/runs/{runId}/log")).RootElement.GetProperty("items").EnumerateArray().ToList();
            var starts = log.Where(e => e.GetProperty("type").GetString() == "attempt.started").Select(e => e.GetProperty("data").GetProperty("node").GetString()).ToList();
            Assert.Equal(2, starts.Count);
            Assert.NotEqual(starts[0], starts[1]);
            Assert.DoesNotContain(File.ReadAllLines(Journal), l => l == $"{runId} 1 end");
            Assert.Contains($"{runId} 2 end", File.ReadAllLines(Journal));

            // The woken daemon finds its lease gone and drops attempt 1's result; only then is the record final.
            await Eventually.TrueAsync(() => Task.FromResult(frozen.Output.Contains("its result is dropped", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the woken daemon to drop its result");
            var after = (await other.AllRunsAsync()).Single(r => r.GetProperty("id").GetString() == runId);
            Assert.Equal(("succeeded", 2), (after.GetProperty("status").GetString(), after.GetProperty("attempt").GetInt32()));
        }
        finally
        {
            await frozen.SignalAsync("CONT");
            await frozen.DisposeAsync();
            if (other is not null)
            {
                await other.DisposeAsync();
            }
        }
    }

    /// <summary>What every connection to the test's database is doing, and the locks it waits for.</summary>
    private async Task<string> SessionsAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(PostgresServer.Shared.ConnectionString(_database));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            """
            SELECT a.pid, a.state, a.wait_event_type, a.wait_event, a.xact_start, left(a.query, 160),
                   (SELECT string_agg(l.locktype || ' ' || l.mode || CASE WHEN l.granted THEN '' ELSE ' WAITING' END, ', ') FROM pg_locks l WHERE l.pid = a.pid)
            FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        }

        return string.Join("\n", lines);
    }

    /// <summary>The first run (there is one task) once <paramref name="matches"/> holds for it.</summary>
    private static async Task<JsonElement> WaitForRunAsync(DaemonProcess daemon, Func<JsonElement, bool> matches, string what) =>
        (await Eventually.GetAsync(async () => (await daemon.AllRunsAsync()).Where(matches).Take(1).ToList() is { Count: 1 } found ? found : null, TimeSpan.FromSeconds(30), what))[0];

    private async Task<List<DaemonProcess>> StartDaemonsAsync(int count, TimeSpan? lease = null) =>
        [.. await Task.WhenAll(Enumerable.Range(0, count).Select(i => StartDaemonAsync(i, lease ?? Lease)))];

    /// <summary>
    /// Daemon <paramref name="index"/>: its own data directory (token, logs), the shared database, the lease given, and a
    /// misfire threshold of 10 min: on a busy machine the cluster may plan an occurrence more than the default minute
    /// late, which would record it skipped (misfire=once) — these tests are about every occurrence running once, not
    /// about misfires (MisfireTests).
    /// </summary>
    private Task<DaemonProcess> StartDaemonAsync(int index, TimeSpan lease) => DaemonProcess.StartAsync(
        Directory.CreateDirectory(_dir.File($"node-{index}")).FullName,
        new Dictionary<string, string>
        {
            ["AGENTCRON__DB"] = $"postgres:{PostgresServer.Shared.ConnectionString(_database)}",
            ["AGENTCRON__ENGINE__LEASE"] = lease.ToString("c", CultureInfo.InvariantCulture),
            ["AGENTCRON__ENGINE__MISFIRETHRESHOLD"] = "00:10:00",
            ["AGENTCRON__ENGINE__SHUTDOWNGRACE"] = "00:00:00",
        });

    private static async Task StopAllAsync(IEnumerable<DaemonProcess> daemons)
    {
        foreach (var daemon in daemons)
        {
            await daemon.DisposeAsync();
        }
    }

    /// <summary>Cron tasks on a two-second schedule (a seconds field); each run notes itself in the journal.</summary>
    private async Task<List<string>> CreateCronTasksAsync(IReadOnlyList<DaemonProcess> daemons, int count) =>
        await CreateAsync(daemons, count, i => new { cron = "*/2 * * * * *" }, $"cron");

    /// <summary>
    /// One-time tasks spread over <paramref name="spread"/>, each due ten seconds or more after it is created (relative
    /// instants: creating thousands of tasks takes a while on a busy machine, and an absolute time could pass meanwhile).
    /// </summary>
    private async Task<List<string>> CreateOneTimeTasksAsync(IReadOnlyList<DaemonProcess> daemons, int count, TimeSpan spread) =>
        await CreateAsync(daemons, count, i => new { @in = $"{10 + (int)(spread.TotalSeconds * i / count)}s" }, "once");

    /// <summary>Creates tasks through every daemon's API in parallel (the CLI would spend minutes starting a process per task).</summary>
    private async Task<List<string>> CreateAsync(IReadOnlyList<DaemonProcess> daemons, int count, Func<int, object> trigger, string kind)
    {
        var clients = daemons.Select(d => d.Api()).ToList();
        var ids = new string[count];
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (i, ct) =>
            {
                using var response = await clients[i % clients.Count].PostAsync("/api/tasks", DaemonProcess.Json(new
                {
                    name = $"{kind} {i}",
                    instructions = "note that I ran",
                    trigger = trigger(i),
                    agent = new { command = Executions.Command },
                    // allow: every occurrence gets its run even when the previous one still runs or waits for recovery (the
                    // default, skip, records such an occurrence as skipped — right for agents, but here every one must run).
                    // Retries: kills and a busy machine's late heartbeats (with the 2 s lease) may cost a run several attempts.
                    policies = new { retries = 10, overlap = "allow" },
                }), ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                Assert.True(response.IsSuccessStatusCode, body);
                ids[i] = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
            });
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        return [.. ids];
    }

    private static async Task PauseAsync(DaemonProcess daemon, IEnumerable<string> tasks)
    {
        using var client = daemon.Api();
        foreach (var task in tasks)
        {
            using var response = await client.PostAsync($"/api/tasks/{task}/pause", null);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>Waits until every one-time task has its run and no run is queued or running; only then is the journal complete.</summary>
    private static Task<List<JsonElement>> FinishedRunsAsync(DaemonProcess daemon, int oneTimeTasks) => Eventually.GetAsync(
        async () =>
        {
            var all = await daemon.AllRunsAsync();
            return all.Count >= oneTimeTasks && all.All(r => r.GetProperty("status").GetString() is not ("queued" or "running")) ? all : null;
        },
        TimeSpan.FromMinutes(5),
        "every run to finish");

    /// <summary>
    /// Waits until the journal (cheap to read, unlike the API) shows <paramref name="oneTimeRuns"/> of the one-time tasks
    /// run and every cron task run at least <paramref name="cronRuns"/> times beyond the entries <paramref name="after"/>
    /// — however long a busy machine takes, within a generous limit.
    /// </summary>
    private async Task RanAsync(List<string> oneTime, List<string> cron, int oneTimeRuns, int cronRuns, List<(string Task, string Run, int Attempt)>? after = null)
    {
        var earlier = (after ?? []).GroupBy(e => e.Task).ToDictionary(g => g.Key, g => g.Count());
        var progress = "";
        try
        {
            await Eventually.TrueAsync(
                () =>
                {
                    var ran = Executions.Entries().GroupBy(e => e.Task).ToDictionary(g => g.Key, g => g.Count());
                    var oneTimeRan = oneTime.Count(ran.ContainsKey);
                    var fewestCronRuns = cron.Min(t => ran.GetValueOrDefault(t) - earlier.GetValueOrDefault(t));
                    progress = $"{oneTimeRan:N0} of {oneTime.Count:N0} one-time tasks ran; the cron task that ran least ran {fewestCronRuns} more times";
                    return Task.FromResult(oneTimeRan >= oneTimeRuns && fewestCronRuns >= cronRuns);
                },
                TimeSpan.FromMinutes(15),
                $"{oneTimeRuns:N0} one-time tasks to run and every cron task to run {cronRuns} more times");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}: {progress}", ex);
        }
    }

    /// <summary>
    /// The records are exactly-once (one run per occurrence, each attempt executed once, the recorded one among them);
    /// every one-time task has its one run; every cron task ran each two-second occurrence from its first to its last.
    /// </summary>
    private void AssertEveryOccurrenceRan(List<JsonElement> runs, List<string> oneTime, List<string> cron)
    {
        Executions.AssertExactlyOnceRecords(runs);
        var byTask = runs.GroupBy(r => r.GetProperty("taskId").GetString()!).ToDictionary(g => g.Key, g => g.ToList());
        Assert.All(oneTime, id => Assert.Single(byTask[id]));
        foreach (var id in cron)
        {
            var occurrences = byTask[id].Select(r => r.GetProperty("scheduledFor").GetDateTimeOffset()).Order().ToList();
            Assert.True(occurrences.Count >= 10, $"cron task {id} ran only {occurrences.Count} times");
            for (var i = 1; i < occurrences.Count; i++)
            {
                Assert.True(occurrences[i] - occurrences[i - 1] == CronInterval, $"cron task {id} skipped from {occurrences[i - 1]:O} to {occurrences[i]:O}");
            }
        }
    }

    /// <summary>Each daemon ran part of the work: the first log entry of each attempt names its node (a sample of runs is enough).</summary>
    private async Task AssertEachDaemonWorkedAsync(DaemonProcess daemon, List<JsonElement> runs, int daemons)
    {
        using var client = daemon.Api();
        var nodes = new HashSet<string>();
        foreach (var run in runs.OrderBy(_ => _random.Next()).Take(300))
        {
            var log = JsonDocument.Parse(await client.GetStringAsync($"/api/runs/{run.GetProperty("id").GetString()}/log")).RootElement;
            nodes.Add(log.GetProperty("items")[0].GetProperty("data").GetProperty("node").GetString()!);
        }

        Assert.Equal(daemons, nodes.Count);
    }
}
