using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentCron.Bench.Scenarios;

/// <summary>
/// The real daemon (<c>agentcron serve</c>, its own process) on a SQLite database holding many future one-time tasks:
/// its resident memory after start-up and after it has run a batch of command tasks created through the API. The
/// kernel's high-water mark (<c>VmHWM</c> in <c>/proc/PID/status</c>) is read, so a short peak between readings counts.
/// </summary>
internal static class DaemonMemoryScenario
{
    private const string Name = "daemon-memory";
    private const int CommandTasks = 100;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    public static async Task RunAsync(BenchOptions options)
    {
        if (!OperatingSystem.IsLinux())
        {
            Console.WriteLine($"  {Name} reads /proc/PID/status: Linux only");
            return;
        }

        var future = options.FutureTasks;
        Report.Heading($"{Name}: agentcron serve on {future:N0} future tasks, then {CommandTasks} command tasks through the API");
        var store = await BenchStore.CreateAsync(options.TempRoot, Name, keep: true);
        var home = store.Directory;
        long databaseBytes;
        try
        {
            Console.WriteLine($"  seeding {future:N0} future tasks into {home}/agentcron.db…");
            var from = BenchStore.Time.GetUtcNow() + TimeSpan.FromDays(2);
            var step = TimeSpan.FromDays(5) / Math.Max(future, 1);
            await store.InsertAsync(future, i => from + step * i);
            databaseBytes = store.FileBytes;
        }
        finally
        {
            await store.DisposeAsync();
        }

        try
        {
            await MeasureAsync(options, home, future, databaseBytes);
        }
        finally
        {
            if (!options.Keep)
            {
                Directory.Delete(home, recursive: true);
            }
        }
    }

    private static async Task MeasureAsync(BenchOptions options, string home, int future, long databaseBytes)
    {
        var url = $"http://127.0.0.1:{TestKit.LoopbackPort.Free()}";
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "agentcron.dll"), "serve", "--home", home, "--urls", url })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["AGENTCRON_HOME"] = home;
        var clock = Stopwatch.StartNew();
        using var daemon = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        daemon.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        daemon.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
            await WaitAsync("the daemon to answer /api/health", async () => !daemon.HasExited && await AnswersAsync(http), daemon, output);
            var startup = clock.Elapsed;
            await Task.Delay(Settle);
            var afterStart = Memory(daemon.Id);

            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(Path.Combine(home, "token"))).Trim());
            var firing = Stopwatch.StartNew();
            for (var i = 0; i < CommandTasks; i++)
            {
                using var created = await http.PostAsJsonAsync("/api/tasks", new
                {
                    name = $"memory probe {i}",
                    instructions = "print the date",
                    trigger = new { at = "now" },
                    agent = new { provider = "command", command = "date" },
                });
                if (!created.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"creating a task failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
                }
            }

            var finished = 0;
            var failed = 0;
            await WaitAsync($"{CommandTasks} runs to finish", async () =>
            {
                (finished, failed) = await CountFinishedAsync(http);
                return finished >= CommandTasks;
            }, daemon, output);
            var firingTime = firing.Elapsed;
            var afterRuns = Memory(daemon.Id);

            Report.Table(
            [
                ["daemon on " + future.ToString("N0", CultureInfo.InvariantCulture) + " future tasks", "VmRSS", "VmHWM (peak)"],
                [$"after start-up ({startup.TotalSeconds:F1} s to healthy, then {Settle.TotalSeconds:F0} s idle)", Report.Mb(afterStart.Rss), Report.Mb(afterStart.Hwm)],
                [$"after {CommandTasks} command runs through the API ({firingTime.TotalSeconds:F1} s, {failed} failed)", Report.Mb(afterRuns.Rss), Report.Mb(afterRuns.Hwm)],
            ]);
            Console.WriteLine($"  database {Report.Mb(databaseBytes)}; target: peak < 300 MB");
            Console.WriteLine("  → " + Report.Append(options, Name, new Dictionary<string, object?>
            {
                ["future_tasks"] = future,
                ["db_bytes"] = databaseBytes,
                ["startup_s"] = Math.Round(startup.TotalSeconds, 2),
                ["settle_s"] = Settle.TotalSeconds,
                ["after_start"] = afterStart.ToJson(),
                ["command_runs"] = CommandTasks,
                ["command_runs_failed"] = failed,
                ["command_runs_s"] = Math.Round(firingTime.TotalSeconds, 2),
                ["after_runs"] = afterRuns.ToJson(),
            }));
        }
        finally
        {
            if (!daemon.HasExited)
            {
                daemon.Kill(entireProcessTree: true);
                await daemon.WaitForExitAsync();
            }
        }
    }

    private static async Task<bool> AnswersAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync("/api/health");
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Runs in a final state (and how many of them did not succeed), read page by page through the API.</summary>
    private static async Task<(int Finished, int Failed)> CountFinishedAsync(HttpClient http)
    {
        var (finished, failed) = (0, 0);
        string? cursor = null;
        do
        {
            using var page = JsonDocument.Parse(await http.GetStringAsync($"/api/runs?limit=500{(cursor is null ? "" : "&cursor=" + cursor)}"));
            foreach (var run in page.RootElement.GetProperty("items").EnumerateArray())
            {
                var status = run.GetProperty("status").GetString();
                if (status is not ("queued" or "running"))
                {
                    finished++;
                    failed += status == "succeeded" ? 0 : 1;
                }
            }

            cursor = page.RootElement.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);

        return (finished, failed);
    }

    private static async Task WaitAsync(string what, Func<Task<bool>> condition, Process daemon, System.Text.StringBuilder output)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (daemon.HasExited || deadline.Elapsed > Limit)
            {
                lock (output)
                {
                    throw new InvalidOperationException($"gave up waiting for {what} (daemon {(daemon.HasExited ? $"exited with {daemon.ExitCode}" : "still running")}):\n{output}");
                }
            }

            await Task.Delay(100);
        }
    }

    private static ProcessMemory Memory(int pid)
    {
        long Kb(string key) => File.ReadLines($"/proc/{pid}/status")
            .Where(l => l.StartsWith(key + ":", StringComparison.Ordinal))
            .Select(l => long.Parse(l[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture))
            .Single();
        return new ProcessMemory(Kb("VmRSS") * 1024, Kb("VmHWM") * 1024);
    }

    private sealed record ProcessMemory(long Rss, long Hwm)
    {
        public Dictionary<string, object?> ToJson() => new() { ["vm_rss_bytes"] = Rss, ["vm_hwm_bytes"] = Hwm };
    }
}
