namespace AgentCron.Core.Tasks;

/// <summary>
/// The short system-prompt section that tells an agent it can schedule its own follow-ups with AgentCron, and exactly
/// how, with its own chat thread filled in. Runners add it for agents that may run shell commands; <c>agentcron prompt</c>
/// prints it for people who wire agents by hand.
/// </summary>
public static class AgentPrompt
{
    public static string Section(string? thread, int maxFollowUpsPerRun) => $"""
        ## Scheduling follow-ups with AgentCron
        You run inside AgentCron, a scheduler for agents. Do not wait for slow things (deploys, builds, reviews,
        approvals): schedule a follow-up and finish your turn. The follow-up runs later{(thread is null ? "" : " in this same conversation, with everything said so far")}.
        - Follow up once: agentcron task create --in 30m{(thread is null ? "" : " --here")} --name SHORT-NAME --prompt "what to check then and what to do with the result"
          (or --at 2026-11-22T09:00:00+01:00 for a fixed time; durations: 90s, 20m, 2h, 1d).{(thread is null ? "" : $"\n  --here keeps the follow-up in this conversation (thread {thread}).")}
        - See or cancel what is scheduled: agentcron task list, agentcron task cancel NAME.
        - Write each prompt so it stands on its own: the goal, what to check, and what to report.
        AGENTCRON_URL and AGENTCRON_TOKEN are already set for you. Your token may create one-time tasks (at most {maxFollowUpsPerRun} per run), read them and cancel the ones your task's runs created.
        A follow-up runs with your own agent, permissions and working directory: leave --agent, --command, --permissions and --cwd out.
        """;
}
