using System.Text;
using AgentCron.Agents.Processes;
using AgentCron.Core;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Agents.Command;

/// <summary>
/// Runs <c>agent.command</c> as an argv (no shell), with the prompt on stdin and in <c>AGENTCRON_PROMPT</c>. Every
/// output line becomes a log entry as it arrives; the final output is stdout. Process handling (its own process group,
/// killed on timeout, cancel and exit) is <see cref="AgentProcess"/>'s.
/// </summary>
public sealed class CommandRunner : IAgentRunner
{
    private const int MaxOutputChars = 1024 * 1024;

    public string Provider => "command";

    public IReadOnlyList<string> Aliases { get; } = ["cmd"];

    public void Validate(AgentSelection agent)
    {
        if (string.IsNullOrWhiteSpace(agent.Command))
        {
            throw new InvalidFieldException("agent.command", "is required for the command agent: the program and its arguments (CLI: --command \"PROGRAM ARGS…\")");
        }

        CommandLine.Split(agent.Command);
        if (agent.Permissions is not null)
        {
            throw new InvalidFieldException("agent.permissions", "applies to agent CLIs; the command agent runs your program as it is");
        }
    }

    public Task<AgentInfo> DescribeAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new AgentInfo(true, null, null, "runs the task's agent.command as an argv; nothing to install"));

    public async Task<RunnerResult> RunAsync(RunRequest request, IRunLogWriter log, CancellationToken cancellationToken)
    {
        var argv = CommandLine.Split(request.Task.Agent.Command ?? "");
        if (Executables.Find(argv[0], request.WorkingDirectory) is not { } program)
        {
            // The command, not the daemon's PATH: the error is shown to whoever reads the run.
            return Failure($"command not found: '{argv[0]}' is not an executable file and is not on the daemon's PATH");
        }

        var stdout = new StringBuilder();
        var exit = await AgentProcess.RunAsync(
            program,
            [.. argv.Skip(1)],
            request,
            request.Task.Instructions,
            log,
            line =>
            {
                log.Write("stdout", new { text = line });
                if (stdout.Length < MaxOutputChars)
                {
                    stdout.Append(line).Append('\n');
                }
            },
            line => log.Write("stderr", new { text = line }),
            cancellationToken);

        return new RunnerResult(
            exit.ExitCode == 0,
            exit.ExitCode,
            stdout.ToString().TrimEnd('\n'),
            exit.ExitCode == 0 ? null : AgentProcess.Describe(exit));
    }

    private static RunnerResult Failure(string error) => new(false, null, null, error);
}
