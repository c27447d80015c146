using AgentCron.Core.Model;

namespace AgentCron.Core.Ports;

/// <summary>A new log entry before the store numbers it.</summary>
public sealed record NewRunLogEvent(DateTimeOffset At, int Attempt, string Type, System.Text.Json.JsonElement Data);

/// <summary>The ordered JSON event log of each run, readable while the run is going.</summary>
public interface IRunLogStore
{
    /// <summary>Appends events in order after the run's last one, in one transaction.</summary>
    Task AppendAsync(string runId, IReadOnlyList<NewRunLogEvent> events, CancellationToken cancellationToken);

    /// <summary>Events with <see cref="RunLogEvent.Seq"/> greater than <paramref name="afterSeq"/>, in order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<RunLogEvent>> ReadAsync(string runId, long afterSeq, int limit, CancellationToken cancellationToken);
}
