using System.Diagnostics;
using System.Text;
using AgentCron.Core.Ports;
using AgentCron.Core.Processes;

namespace AgentCron.Agents.Processes;

/// <summary>How an agent process ended by itself.</summary>
public sealed record ProcessExit(int ExitCode, IReadOnlyList<string> StderrTail);

/// <summary>
/// Runs one agent program the way every runner must: inside the run's sandbox (<see cref="RunRequest.Sandbox"/>, see
/// <see cref="Bubblewrap"/>), as the leader of a new process group (through <c>setsid</c>), with a text on stdin, each
/// output line handed over as it arrives, and the whole group killed on cancellation — and also when the program exits,
/// so nothing it started in the background outlives the run (in the sandbox, not even what left the group: it dies
/// with the sandbox's PID namespace, whose init is in the group).
/// </summary>
public static class AgentProcess
{
    private const int StderrTailLines = 20;
    private static readonly TimeSpan PipeDrainLimit = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Linux refuses to start a program when one environment string exceeds 128 KiB (MAX_ARG_STRLEN, E2BIG); a longer
    /// prompt is left out of <c>AGENTCRON_PROMPT</c> (agents get it on stdin or as their prompt) rather than failing the run.
    /// </summary>
    private const int MaxPromptVariableBytes = 100 * 1024;

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="args"/> to its end. Throws <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> stopped it (after killing its group), and <see cref="InvalidOperationException"/>
    /// without starting it when the sandbox is unavailable, or the working directory is one runs may not see or a directory
    /// the task names that does not exist (the task's own folder is made, readable by the daemon's user only).
    /// </summary>
    /// <param name="program">The resolved program path.</param>
    /// <param name="args">Its arguments, passed as they are (no shell).</param>
    /// <param name="request">The attempt: working directory, environment, and where to report the pid.</param>
    /// <param name="input">Written to stdin, which is then closed.</param>
    /// <param name="log">Gets <c>process.started</c> and any warning.</param>
    /// <param name="onStdout">Called with each stdout line, in order, on a pipe-reading thread.</param>
    /// <param name="onStderr">Called with each stderr line, in order.</param>
    /// <param name="cancellationToken">Stops the program: its whole process group is killed.</param>
    public static async Task<ProcessExit> RunAsync(
        string program,
        IReadOnlyList<string> args,
        RunRequest request,
        string? input,
        IRunLogWriter log,
        Action<string> onStdout,
        Action<string> onStderr,
        CancellationToken cancellationToken)
    {
        var start = StartInfo(program, args, request);
        if (start.Environment.TryGetValue("AGENTCRON_PROMPT", out var promptVariable) && Encoding.UTF8.GetByteCount(promptVariable ?? "") > MaxPromptVariableBytes)
        {
            start.Environment.Remove("AGENTCRON_PROMPT");
            log.Write("warning", new { text = $"the prompt is longer than {MaxPromptVariableBytes / 1024} KiB, too long for an environment variable: AGENTCRON_PROMPT is not set; read the prompt from stdin" });
        }

        using var process = new Process { StartInfo = start };
        process.Start();
        var pid = process.Id;
        request.ProcessStarted(new StartedProcess(pid, ProcessGroup.Identify(pid)));
        log.Write("process.started", new { pid, argv = args.Prepend(program), sandboxed = request.Sandbox.Status == SandboxStatus.On });

        var stderrTail = new Queue<string>();
        var reading = Task.WhenAll(
            PumpAsync(process.StandardOutput, onStdout),
            PumpAsync(process.StandardError, line =>
            {
                onStderr(line);
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
            await WriteInputAsync(process, input);
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

        lock (stderrTail)
        {
            return new ProcessExit(process.ExitCode, [.. stderrTail]);
        }
    }

    /// <summary>"exited with code 3: last stderr lines", for a run's error.</summary>
    public static string Describe(ProcessExit exit)
    {
        var reason = exit.ExitCode > 128 ? $"exited with code {exit.ExitCode} (killed by signal {exit.ExitCode - 128})" : $"exited with code {exit.ExitCode}";
        return exit.StderrTail.Count == 0 ? reason : $"{reason}: {string.Join('\n', exit.StderrTail)}";
    }

    private static ProcessStartInfo StartInfo(string program, IEnumerable<string> args, RunRequest request)
    {
        var sandbox = request.Sandbox;
        if (sandbox.Status == SandboxStatus.Unavailable)
        {
            throw new InvalidOperationException($"cannot start the agent without a sandbox: {sandbox.Problem} (Sandbox:AllowUnsandboxed: true would run agents unsandboxed)");
        }

        if (sandbox.Hides(request.WorkingDirectory))
        {
            throw new InvalidOperationException($"the working directory '{request.WorkingDirectory}' is inside the daemon's data directory, which runs cannot see; set the task's agent.cwd to a directory outside it");
        }

        if (!Directory.Exists(request.WorkingDirectory))
        {
            // A folder the task names is never made (it may be a typo, or a disk not mounted); its own folder is, now.
            if (request.Task.Agent.Cwd is not null)
            {
                throw new InvalidOperationException($"the working directory '{request.WorkingDirectory}' does not exist");
            }

            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(request.WorkingDirectory);
            }
            else
            {
                Directory.CreateDirectory(request.WorkingDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        if (sandbox.Status == SandboxStatus.On)
        {
            args = Bubblewrap.Arguments(sandbox, request.WorkingDirectory, program, args);
            program = sandbox.Executable!;
        }

        // setsid makes the program (bubblewrap, when sandboxed) the leader of a new session and process group (it execs
        // in place, so the pid is the program's); killing the group then reaches every descendant that did not leave it
        // on purpose.
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

        // The daemon's own token and its configuration (which may carry secrets) must never reach an agent — in any letter
        // case, since .NET reads AGENTCRON__ settings case-insensitively.
        // The same for the variables the channels' secrets come from.
        var hidden = sandbox.HiddenVariables;
        foreach (var name in start.Environment.Keys.Where(k => k.Equals("AGENTCRON_TOKEN", StringComparison.OrdinalIgnoreCase) || k.StartsWith("AGENTCRON__", StringComparison.OrdinalIgnoreCase) || hidden.Contains(k)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in request.Environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private static async Task WriteInputAsync(Process process, string? input)
    {
        try
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited or closed stdin without reading it.
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line);
        }
    }
}
