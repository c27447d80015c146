using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AgentCron.TestKit;

namespace AgentCron.Cli.Tests.EndToEnd;

/// <summary>What one <c>agentcron</c> invocation did.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs the real <c>agentcron</c> executable (the built agentcron.dll next to the tests) as a child process.</summary>
public static class AgentCronProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "agentcron.dll");

    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> environment, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("AGENTCRON_TOKEN");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>Runs a CLI command to completion (60 s at most) and returns what it printed.</summary>
    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(environment, args))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"agentcron {string.Join(' ', args)} did not finish in 60 s");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A real <c>agentcron serve</c> process on a free loopback port, killable with SIGKILL and restartable.</summary>
public sealed class DaemonProcess : IAsyncDisposable
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private int _disposed;

    private DaemonProcess(Process process, string url, IReadOnlyDictionary<string, string> environment)
    {
        _process = process;
        Url = url;
        Environment = environment;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Url { get; }

    /// <summary>What a CLI invocation needs to reach this daemon: AGENTCRON_URL and AGENTCRON_HOME.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>agentcron serve --home HOME</c> and waits until /api/health answers.</summary>
    public static async Task<DaemonProcess> StartAsync(string home, IReadOnlyDictionary<string, string>? settings = null, int? port = null)
    {
        var url = $"http://127.0.0.1:{port ?? LoopbackPort.Free()}";
        var environment = new Dictionary<string, string> { ["AGENTCRON_URL"] = url, ["AGENTCRON_HOME"] = home };
        var daemonEnvironment = new Dictionary<string, string>(environment);
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            daemonEnvironment[name] = value;
        }

        var process = Process.Start(AgentCronProcess.StartInfo(daemonEnvironment, ["serve", "--home", home, "--urls", url]))!;
        var daemon = new DaemonProcess(process, url, environment);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"agentcron serve exited with {process.ExitCode}:\n{daemon.Output}");
            }

            try
            {
                using var response = await http.GetAsync($"{url}/api/health");
                if (response.IsSuccessStatusCode)
                {
                    return daemon;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            // Generous: a .NET process starting on a machine busy with other test runs has been seen to take over a minute.
            if (deadline.Elapsed > TimeSpan.FromMinutes(3))
            {
                daemon.Kill();
                throw new TimeoutException($"agentcron serve did not become healthy in 3 min:\n{daemon.Output}");
            }

            await Task.Delay(100);
        }
    }

    public Task<CliResult> CliAsync(params string[] args) => AgentCronProcess.RunAsync(Environment, args);

    /// <summary>An HTTP client for this daemon's API with the token of its data directory.</summary>
    public HttpClient Api()
    {
        var client = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(Path.Combine(Environment["AGENTCRON_HOME"], "token")).Trim());
        return client;
    }

    /// <summary>A JSON request body in the API's casing.</summary>
    public static StringContent Json(object body) => new(JsonSerializer.Serialize(body, JsonOptions), Encoding.UTF8, "application/json");

    /// <summary>The runs of one task, through the CLI.</summary>
    public async Task<List<JsonElement>> RunsAsync(string taskId)
    {
        var list = await CliAsync("runs", "list", "--task", taskId, "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        return [.. JsonDocument.Parse(list.Stdout).RootElement.GetProperty("items").EnumerateArray()];
    }

    /// <summary>Every run in the store, page by page through the API.</summary>
    public async Task<List<JsonElement>> AllRunsAsync()
    {
        using var client = Api();
        var runs = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = JsonDocument.Parse(await client.GetStringAsync($"/api/runs?limit=500{(cursor is null ? "" : $"&cursor={cursor}")}")).RootElement;
            runs.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        return runs;
    }

    /// <summary>Sends a signal (e.g. STOP, CONT) to the daemon process.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>SIGKILL: the daemon gets no chance to clean up, as in a crash or power loss.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>SIGTERM, as systemd or Ctrl-C would: the daemon drains and exits; SIGKILL if it has not after 30 s.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            await SignalAsync("TERM");

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Kill();
            }
        }

        return _process.ExitCode;
    }

    /// <summary>Stops the daemon once; disposing it again does nothing (a test's clean-up must not hide why it failed).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
