using System.Text.Json;

namespace AgentCron.Core.Model;

/// <summary>
/// One entry of a run's log: an ordered stream per run. <see cref="Seq"/> is assigned by the store (1, 2, …);
/// <see cref="Data"/> is a JSON object whose shape depends on <see cref="Type"/>
/// (<c>attempt.started</c>, <c>stdout</c>, <c>stderr</c>, <c>attempt.finished</c>, <c>run.skipped</c>, …).
/// </summary>
public sealed record RunLogEvent(long Seq, DateTimeOffset At, int Attempt, string Type, JsonElement Data);
