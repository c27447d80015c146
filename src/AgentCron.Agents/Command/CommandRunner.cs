using System.Diagnostics;
using System.Text;
using AgentCron.Core;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Processes;

namespace AgentCron.Agents.Command;

/// <summary>
/// Runs <c>agent.command</c> as an argv (no shell), with the prompt on stdin and in <c>AGENTCRON_PROMPT</c>. Every
/// output line becomes a log entry as it arrives; the final output is stdout. The process leads a new process group,
/// and the whole group is killed on timeout or cancel — and also when the program exits, so nothing it started in the
/// background outlives the run.
/// </summary>
public sealed class CommandRunner : IAgentRunner
{
    private const int MaxOutputChars = 1024 * 1024;
    private const int StderrTailLines = 20;
    private static readonly TimeSpan PipeDrainLimit = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Linux refuses to start a program when one environment string exceeds 128 KiB (MAX_ARG_STRLEN, E2BIG); a longer
    /// prompt is left out of <c>AGENTCRON_PROMPT</c> (it is still on stdin) rather than failing the run.
    /// </summary>
    private const int MaxPromptVariableBytes = 100 * 1024;

    public string Provider => "command";

    public IReadOnlyList<string> Aliases { get; } = ["cmd"];

    public void Validate(AgentSelection agent)
    {
        if (string.IsNullOrWhiteSpace(agent.Command))
        {
            throw new InvalidFieldException("agent.command", "is required for the command agent: the program and its arguments (CLI: --command \"PROGRAM ARGS…\")");
        }

        CommandLine.Split(agent.Command);
    }

    public async Task<RunnerResult> RunAsync(RunRequest request, IRunLogWriter log, CancellationToken cancellationToken)
    {
        var argv = CommandLine.Split(request.Task.Agent.Command ?? "");
        if (!Directory.Exists(request.WorkingDirectory))
        {
            return Failure($"the working directory '{request.WorkingDirectory}' does not exist");
        }

        if (Executables.Find(argv[0], request.WorkingDirectory) is not { } program)
        {
            return Failure($"command not found: '{argv[0]}' (not an executable file, and not on PATH={Environment.GetEnvironmentVariable("PATH")})");
        }

        var start = StartInfo(program, argv.Skip(1), request);
        if (start.Environment.TryGetValue("AGENTCRON_PROMPT", out var promptVariable) && Encoding.UTF8.GetByteCount(promptVariable ?? "") > MaxPromptVariableBytes)
        {
            start.Environment.Remove("AGENTCRON_PROMPT");
            log.Write("warning", new { text = $"the prompt is longer than {MaxPromptVariableBytes / 1024} KiB, too long for an environment variable: AGENTCRON_PROMPT is not set; read the prompt from stdin" });
        }

        using var process = new Process { StartInfo = start };
        process.Start();
        var pid = process.Id;
        request.ProcessStarted(pid);
        log.Write("process.started", new { pid, argv });

        var stdout = new StringBuilder();
        var stderrTail = new Queue<string>();
        var reading = Task.WhenAll(
            PumpAsync(process.StandardOutput, line =>
            {
                log.Write("stdout", new { text = line });
                if (stdout.Length < MaxOutputChars)
                {
                    stdout.Append(line).Append('\n');
                }
            }),
            PumpAsync(process.StandardError, line =>
            {
                log.Write("stderr", new { text = line });
                lock (stderrTail)
                {
                    stderrTail.Enqueue(line);
                    if (stderrTail.Count > StderrTailLines)
                    {
                        stderrTail.Dequeue();
                    }
                }
            }));

        bool stopped;
        await using (cancellationToken.Register(() => ProcessGroup.KillStarted(pid)))
        {
            await WriteInputAsync(process, request.Task.Instructions);
            await process.WaitForExitAsync(CancellationToken.None);
            // Only a stop that came before the exit ended the program; one that comes later changes nothing.
            stopped = cancellationToken.IsCancellationRequested;
        }

        // The program is done: whatever it left running in its group goes too, which also closes the pipes it held.
        ProcessGroup.Kill(pid);
        await Task.WhenAny(reading, Task.Delay(PipeDrainLimit, CancellationToken.None));
        if (stopped)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        var exitCode = process.ExitCode;
        return new RunnerResult(
            exitCode == 0,
            exitCode,
            stdout.ToString().TrimEnd('\n'),
            exitCode == 0 ? null : ErrorText(exitCode, stderrTail));
    }

    private static ProcessStartInfo StartInfo(string program, IEnumerable<string> args, RunRequest request)
    {
        // setsid makes the program the leader of a new session and process group (it execs in place, so the pid is the
        // program's); killing the group then reaches every descendant that did not leave it on purpose.
        var useSetsid = OperatingSystem.IsLinux() && File.Exists("/usr/bin/setsid");
        var start = new ProcessStartInfo
        {
            FileName = useSetsid ? "/usr/bin/setsid" : program,
            WorkingDirectory = request.WorkingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (useSetsid)
        {
            start.ArgumentList.Add(program);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The daemon's own token and its configuration (which may carry secrets) must never reach an agent.
        foreach (var name in start.Environment.Keys.Where(k => k == "AGENTCRON_TOKEN" || k.StartsWith("AGENTCRON__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in request.Environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private static async Task WriteInputAsync(Process process, string prompt)
    {
        try
        {
            await process.StandardInput.WriteAsync(prompt);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited or closed stdin without reading the prompt; it still has it in AGENTCRON_PROMPT.
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line);
        }
    }

    private static string ErrorText(int exitCode, Queue<string> stderrTail)
    {
        string[] tail;
        lock (stderrTail)
        {
            tail = [.. stderrTail];
        }

        var reason = exitCode > 128 ? $"exited with code {exitCode} (killed by signal {exitCode - 128})" : $"exited with code {exitCode}";
        return tail.Length == 0 ? reason : $"{reason}: {string.Join('\n', tail)}";
    }

    private static RunnerResult Failure(string error) => new(false, null, null, error);
}
