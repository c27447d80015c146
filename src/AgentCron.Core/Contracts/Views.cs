using System.Text.Json;
using AgentCron.Core.Model;
using AgentCron.Core.Time;

namespace AgentCron.Core.Contracts;

/// <summary>
/// A task as the API returns it. Enums are snake_case text; durations use the compact form (<c>30m</c>).
/// <see cref="RunId"/> is only in the answer to a create with <c>runNow</c>: the run it started.
/// <see cref="Warnings"/> is set only in the answer to a create or update, when there is something to know that did not
/// stop the change (e.g. the agent's CLI is not installed here: the task is saved, its runs fail until it is).
/// </summary>
public sealed record TaskView(
    string Id,
    string Slug,
    string Name,
    string Instructions,
    string Status,
    string? StatusReason,
    TriggerView? Trigger,
    AgentInput Agent,
    string? Thread,
    IReadOnlyList<string> Deliver,
    PoliciesView Policies,
    string? CreatedByRun,
    DateTimeOffset? NextFireAt,
    string? LastRunId,
    DateTimeOffset? LastRunAt,
    string? LastRunStatus,
    string? LastSummary,
    string? LastError,
    int ConsecutiveFailures,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version,
    string? RunId = null,
    IReadOnlyList<string>? Warnings = null)
{
    public static TaskView From(AgentTask t) => new(
        t.Id,
        t.Slug,
        t.Name,
        t.Instructions,
        EnumText.ToText(t.Status),
        t.StatusReason,
        t.Trigger is { } trigger ? TriggerView.From(trigger) : null,
        new AgentInput
        {
            Provider = t.Agent.Provider,
            Model = t.Agent.Model,
            Command = t.Agent.Command,
            Cwd = t.Agent.Cwd,
            Permissions = t.Agent.Permissions is { } permissions ? EnumText.ToText(permissions) : null,
        },
        t.Thread?.ToString(),
        [.. t.Deliver.Select(d => d.ToString())],
        new PoliciesView(
            Durations.Format(t.Policies.Timeout),
            t.Policies.Retries,
            EnumText.ToText(t.Policies.Overlap),
            EnumText.ToText(t.Policies.Misfire),
            Durations.Format(t.Policies.CatchUp),
            Durations.Format(t.Policies.Jitter),
            t.Policies.MaxConsecutiveFailures,
            t.Policies.RecurringFollowUps),
        t.CreatedByRun,
        t.NextFireAt,
        t.LastRunId,
        t.LastRunAt,
        t.LastRunStatus is { } s ? EnumText.ToText(s) : null,
        t.LastSummary,
        t.LastError,
        t.ConsecutiveFailures,
        t.CreatedAt,
        t.UpdatedAt,
        t.Version);
}

/// <param name="Kind">at, every, cron or window.</param>
/// <param name="Expression">The canonical trigger text: an instant, a duration, a cron expression or a window.</param>
/// <param name="Tz">The IANA time zone of a cron or window trigger.</param>
/// <param name="Anchor">Where an <c>every</c> trigger counts from.</param>
/// <param name="Description">The trigger in words.</param>
public sealed record TriggerView(string Kind, string Expression, string? Tz, DateTimeOffset? Anchor, string Description)
{
    public static TriggerView From(Triggers.Trigger trigger) =>
        new(EnumText.ToText(trigger.Kind), trigger.Expression, trigger.TimeZoneId, trigger.Anchor, trigger.Describe());
}

public sealed record PoliciesView(string Timeout, int Retries, string Overlap, string Misfire, string CatchUp, string Jitter, int MaxConsecutiveFailures, bool RecurringFollowUps);

/// <summary>A run as the API returns it, with its task's slug for people (<see cref="TaskSlug"/>; null if the task was deleted meanwhile).</summary>
public sealed record RunView(
    string Id,
    string TaskId,
    string? TaskSlug,
    string Occurrence,
    string Trigger,
    DateTimeOffset ScheduledFor,
    DateTimeOffset NotBefore,
    int Attempt,
    string Status,
    string? LeaseOwner,
    DateTimeOffset? LeaseExpiresAt,
    bool CancelRequested,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? DurationMs,
    string? Agent,
    string? Model,
    string? SessionId,
    int? ExitCode,
    string? Output,
    string? Summary,
    string? Error,
    long? InputTokens,
    long? OutputTokens,
    decimal? CostUsd,
    string? Node,
    IReadOnlyList<DeliveryView>? Deliveries = null)
{
    public static RunView From(TaskRun r, string? taskSlug) => new(
        r.Id,
        r.TaskId,
        taskSlug,
        r.Occurrence,
        EnumText.ToText(r.Trigger),
        r.ScheduledFor,
        r.NotBefore,
        r.Attempt,
        EnumText.ToText(r.Status),
        r.LeaseOwner,
        r.LeaseExpiresAt,
        r.CancelRequested,
        r.CreatedAt,
        r.StartedAt,
        r.FinishedAt,
        r is { StartedAt: { } start, FinishedAt: { } end } ? Math.Round((end - start).TotalMilliseconds, 1) : null,
        r.Agent,
        r.Model,
        r.SessionId,
        r.ExitCode,
        r.Output,
        r.Summary,
        r.Error,
        r.InputTokens,
        r.OutputTokens,
        r.CostUsd,
        r.Node);
}

/// <summary>
/// A delivery of the outbox as the API returns it: a run's result (or an alert, with its <see cref="Note"/>) for one
/// target, its status (pending, delivered, dead), tries made, when the next is due, and the receiver's id.
/// </summary>
public sealed record DeliveryView(
    string Id,
    string RunId,
    string TaskId,
    string Target,
    string Kind,
    string Status,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    int ChunksSent,
    string? RemoteId,
    string? LastError,
    string? Note,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt)
{
    public static DeliveryView From(Delivery d) => new(
        d.Id,
        d.RunId,
        d.TaskId,
        d.Target.ToString(),
        EnumText.ToText(d.Kind),
        EnumText.ToText(d.Status),
        d.Attempts,
        d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null,
        d.ChunksSent,
        d.RemoteId,
        d.LastError,
        d.Note,
        d.CreatedAt,
        d.DeliveredAt);
}

/// <summary>A configured channel: its name and type, where a target without a place goes, and — when checked — whether its credentials work.</summary>
public sealed record ChannelView(string Name, string Type, string? DefaultTo, string Health, string? Problem);

/// <summary>What a test message did: delivered (with the receiver's id) or not, and why.</summary>
public sealed record ChannelTestView(string Channel, bool Delivered, string? RemoteId, string? Error);

/// <summary>A one-time sign-in link to the web UI.</summary>
public sealed record UiLinkView(Uri Url);

public sealed record LogEntryView(long Seq, DateTimeOffset At, int Attempt, string Type, JsonElement Data)
{
    /// <summary>Compact JSON that keeps '+', '&lt;', '&amp;' and non-ASCII text readable (for terminals; HTML encodes it itself).</summary>
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static LogEntryView From(RunLogEvent e) => new(e.Seq, e.At, e.Attempt, e.Type, e.Data);

    /// <summary>
    /// The entry as a line: the text of <c>stdout</c> and <c>stderr</c> entries as the agent wrote it (and which of the
    /// two), <c>[type] {compact json}</c> for every other entry.
    /// </summary>
    public (string Line, bool IsStderr) Line()
    {
        if (Type is "stdout" or "stderr" && Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
        {
            return (text.GetString() ?? "", Type == "stderr");
        }

        var data = Data.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? "" : " " + JsonSerializer.Serialize(Data, Readable);
        return ($"[{Type}]{data}", false);
    }
}

/// <summary>An agent provider as <c>GET /api/agents</c> lists it.</summary>
public sealed record AgentView(string Provider, IReadOnlyList<string> Aliases, bool IsDefault, bool Available, string? Path, string? Version, string Note);

/// <summary>
/// A daemon working on the store, as <c>GET /api/nodes</c> lists it. <see cref="Status"/>: <c>running</c> (seen within
/// one lease), <c>lost</c> (not seen for longer and never stopped: it died, and its runs are recovered once their leases
/// expire) or <c>stopped</c>. <see cref="Self"/> marks the daemon that answered.
/// </summary>
public sealed record NodeView(string Id, string Host, int Pid, string Version, DateTimeOffset StartedAt, DateTimeOffset LastSeenAt, DateTimeOffset? StoppedAt, string Status, bool Self);

/// <summary>A slice of a run's log: pass <see cref="Next"/> as <c>after</c> for more; <see cref="Finished"/> once the run has ended.</summary>
public sealed record LogView(IReadOnlyList<LogEntryView> Items, long Next, bool Finished);

/// <summary>A page of a listing; pass <see cref="NextCursor"/> as <c>cursor</c> to get the next one.</summary>
public sealed record PageView<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>The next occurrences of a trigger.</summary>
public sealed record PreviewView(TriggerView Trigger, IReadOnlyList<DateTimeOffset> Occurrences);

/// <summary>
/// Liveness, the engine's loops, and what confines runs. <see cref="Status"/> is <c>ok</c> or <c>degraded</c>;
/// <see cref="Reasons"/> says why it is degraded (a loop whose last pass failed, a run's result that could not be written
/// yet), empty when ok.
/// </summary>
public sealed record HealthView(string Status, IReadOnlyList<string> Reasons, string Version, string Node, string Store, int RunningRuns, IReadOnlyDictionary<string, Engine.LoopHealth> Loops, SandboxView Sandbox);

/// <summary>
/// What confines this daemon's runs: <see cref="Status"/> <c>on</c> (bubblewrap), <c>off</c> (bubblewrap cannot be used
/// and <c>Sandbox:AllowUnsandboxed</c> accepts that) or <c>unavailable</c> (runs that start a process fail); <see cref="Note"/>
/// says why and what to do.
/// </summary>
public sealed record SandboxView(string Status, string Note);
