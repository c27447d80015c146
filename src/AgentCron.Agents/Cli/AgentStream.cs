using System.Text.Json;
using AgentCron.Core.Ports;

namespace AgentCron.Agents.Cli;

/// <summary>
/// Reads one agent CLI's structured output (JSON lines) as it arrives: each line becomes run-log entries, and what the
/// run records — the session id, the model, the final answer, usage — is kept until the process ends.
/// </summary>
public interface IAgentStream
{
    /// <summary>Handles one stdout line, in order.</summary>
    void Handle(string line);

    /// <summary>The CLI's native session id, once seen.</summary>
    string? SessionId { get; }

    /// <summary>The model the CLI says it used, once seen.</summary>
    string? Model { get; }

    /// <summary>How the turn ended, once the CLI said so; null while it has not.</summary>
    AgentOutcome? Outcome { get; }
}

/// <summary>How an agent CLI said its turn ended.</summary>
/// <param name="IsError">The CLI reported a failure (API error, refused turn, …).</param>
/// <param name="Text">The final answer; on failure, the CLI's own message when it gave one.</param>
/// <param name="Usage">Tokens and cost, where reported.</param>
public sealed record AgentOutcome(bool IsError, string? Text, RunUsage? Usage = null);

/// <summary>
/// What reading any CLI's JSON lines shares: a line that is not a JSON object is logged as plain output (a CLI may print
/// a warning among its records), every other line is handed to the reader as a record. The reader sets what the run
/// records as it sees it.
/// </summary>
/// <param name="log">The run's log.</param>
public abstract class JsonLinesAgentStream(IRunLogWriter log) : IAgentStream
{
    public string? SessionId { get; protected set; }

    public string? Model { get; protected set; }

    public AgentOutcome? Outcome { get; protected set; }

    /// <summary>The run's log.</summary>
    protected IRunLogWriter Log => log;

    public void Handle(string line)
    {
        using var document = JsonFields.ParseObject(line);
        if (document is null)
        {
            log.Write("stdout", new { text = line });
            return;
        }

        Handle(document.RootElement);
    }

    /// <summary>Handles one record (the root of a line), in order. It is valid only during the call: clone what is kept.</summary>
    protected abstract void Handle(JsonElement root);
}
