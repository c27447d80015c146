using AgentCron.Core.Model;

namespace AgentCron.Core.Tasks;

/// <summary>A task just created, and the run it was asked to start at once (<c>runNow</c>), written in the same transaction.</summary>
public sealed record CreatedTask(AgentTask Task, TaskRun? FirstRun);
