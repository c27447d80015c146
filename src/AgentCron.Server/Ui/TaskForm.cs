using System.Globalization;
using AgentCron.Core;
using AgentCron.Core.Contracts;
using AgentCron.Core.Triggers;

namespace AgentCron.Server.Ui;

/// <summary>
/// A task as the UI's forms hold it: every field as text, the trigger as a kind and an expression. An edit applies only
/// the fields whose value differs from the task as it is (<see cref="Changes"/>), so saving never touches what the form
/// did not change — a paused task stays paused. Validation is the API's (<see cref="Core.Tasks.TaskService"/>); its
/// errors are shown next to the field they name (<see cref="FieldOf"/>).
/// </summary>
public sealed record TaskForm
{
    public static readonly IReadOnlyList<string> TriggerKinds = ["manual", "at", "in", "every", "cron", "window"];
    public static readonly IReadOnlyList<string> Overlaps = ["skip", "queue", "allow", "replace"];
    public static readonly IReadOnlyList<string> Misfires = ["once", "skip", "all"];
    public static readonly IReadOnlyList<string> Postures = ["", "read_only", "edit", "full"];

    public string Name { get; init; } = "";
    public string Instructions { get; init; } = "";
    public string TriggerKind { get; init; } = "manual";
    public string Expression { get; init; } = "";
    public string Tz { get; init; } = "";
    public string Agent { get; init; } = "";
    public string Model { get; init; } = "";
    public string Command { get; init; } = "";
    public string Permissions { get; init; } = "";
    public string Thread { get; init; } = "";
    public string Deliver { get; init; } = "";
    public string Timeout { get; init; } = "";
    public string Retries { get; init; } = "";
    public string Overlap { get; init; } = "";
    public string Misfire { get; init; } = "";
    public string MaxFailures { get; init; } = "";

    public static TaskForm From(TaskView task) => new()
    {
        Name = task.Name,
        Instructions = task.Instructions,
        TriggerKind = task.Trigger?.Kind ?? "manual",
        Expression = task.Trigger?.Expression ?? "",
        Tz = task.Trigger?.Tz ?? "",
        Agent = task.Agent.Provider ?? "",
        Model = task.Agent.Model ?? "",
        Command = task.Agent.Command ?? "",
        Permissions = task.Agent.Permissions ?? "",
        Thread = task.Thread ?? "",
        Deliver = string.Join(' ', task.Deliver),
        Timeout = task.Policies.Timeout,
        Retries = task.Policies.Retries.ToString(CultureInfo.InvariantCulture),
        Overlap = task.Policies.Overlap,
        Misfire = task.Policies.Misfire,
        MaxFailures = task.Policies.MaxConsecutiveFailures.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The form as posted (names as the form writes them).</summary>
    public static TaskForm From(IFormCollection form) => new()
    {
        Name = Value(form, "name"),
        Instructions = Value(form, "instructions"),
        TriggerKind = Value(form, "triggerKind") is { Length: > 0 } kind ? kind : "manual",
        Expression = Value(form, "expression"),
        Tz = Value(form, "tz"),
        Agent = Value(form, "agent"),
        Model = Value(form, "model"),
        Command = Value(form, "command"),
        Permissions = Value(form, "permissions"),
        Thread = Value(form, "thread"),
        Deliver = Value(form, "deliver"),
        Timeout = Value(form, "timeout"),
        Retries = Value(form, "retries"),
        Overlap = Value(form, "overlap"),
        Misfire = Value(form, "misfire"),
        MaxFailures = Value(form, "maxFailures"),
    };

    /// <summary>The form as it was rendered (a hidden field), so that an edit is compared with what the person saw.</summary>
    public string Serialize() => System.Text.Json.JsonSerializer.Serialize(this);

    /// <summary>The form <see cref="Serialize"/> wrote, or null when <paramref name="text"/> is not one.</summary>
    public static TaskForm? Deserialize(string? text)
    {
        try
        {
            return string.IsNullOrEmpty(text) ? null : System.Text.Json.JsonSerializer.Deserialize<TaskForm>(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The trigger the kind and expression say (none set: manual only).</summary>
    public TriggerInput Trigger()
    {
        var e = Expression.Trim();
        var tz = string.IsNullOrWhiteSpace(Tz) ? null : Tz.Trim();
        return TriggerKind switch
        {
            "at" => new TriggerInput(At: e, Tz: tz),
            "in" => new TriggerInput(In: e),
            "every" => new TriggerInput(Every: e),
            "cron" => new TriggerInput(Cron: e, Tz: tz),
            "window" => new TriggerInput(Window: e, Tz: tz),
            "manual" => new TriggerInput(),
            _ => throw new InvalidFieldException("trigger", $"'{TriggerKind}' is not a kind of trigger; use one of: {string.Join(", ", TriggerKinds)}"),
        };
    }

    /// <summary>Everything in the form, for a new task.</summary>
    public TaskInput ToCreate() => new()
    {
        Name = Optional(Name),
        Instructions = Instructions,
        Trigger = Trigger(),
        Agent = new AgentInput { Provider = Optional(Agent), Model = Optional(Model), Command = Optional(Command), Permissions = Optional(Permissions) },
        Thread = Optional(Thread),
        Deliver = Targets(Deliver),
        Policies = new PoliciesInput
        {
            Timeout = Optional(Timeout),
            Retries = Number(Retries, "retries"),
            Overlap = Optional(Overlap),
            Misfire = Optional(Misfire),
            MaxConsecutiveFailures = Number(MaxFailures, "maxFailures"),
        },
    };

    /// <summary>The members that differ from <paramref name="current"/>, and nothing else (null: nothing changed).</summary>
    public TaskInput? Changes(TaskForm current)
    {
        string? Changed(string posted, string now) => posted.Trim() == now.Trim() ? null : posted.Trim();
        var triggerChanged = TriggerKind != current.TriggerKind || Expression.Trim() != current.Expression.Trim() || Tz.Trim() != current.Tz.Trim();
        var agent = new AgentInput
        {
            Provider = Changed(Agent, current.Agent),
            Model = Changed(Model, current.Model),
            Command = Changed(Command, current.Command),
            Permissions = Changed(Permissions, current.Permissions),
        };
        var policies = new PoliciesInput
        {
            Timeout = Changed(Timeout, current.Timeout),
            Retries = Changed(Retries, current.Retries) is { } retries ? Number(retries, "retries") : null,
            Overlap = Changed(Overlap, current.Overlap),
            Misfire = Changed(Misfire, current.Misfire),
            MaxConsecutiveFailures = Changed(MaxFailures, current.MaxFailures) is { } failures ? Number(failures, "maxFailures") : null,
        };
        var input = new TaskInput
        {
            Name = Changed(Name, current.Name),
            Instructions = Changed(Instructions, current.Instructions),
            Trigger = triggerChanged ? Trigger() : null,
            Agent = agent == new AgentInput() ? null : agent,
            Thread = Changed(Thread, current.Thread),
            Deliver = Changed(Deliver, current.Deliver) is not null ? Targets(Deliver) : null,
            Policies = policies == new PoliciesInput() ? null : policies,
        };
        return input == new TaskInput() ? null : input;
    }

    /// <summary>The form field an API error names: <c>trigger.cron</c> is the trigger's, <c>policies.timeout</c> the timeout's.</summary>
    public static string FieldOf(string apiField) => apiField switch
    {
        _ when apiField.StartsWith("trigger", StringComparison.Ordinal) || apiField is "at" or "in" or "every" or "cron" or "window" => "trigger",
        "tz" => "trigger",
        "agent.provider" or "agent" => "agent",
        "policies.maxConsecutiveFailures" => "maxFailures",
        _ => apiField[(apiField.LastIndexOf('.') + 1)..],
    };

    private static string Value(IFormCollection form, string name) => form[name].ToString();

    private static string? Optional(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string[] Targets(string text) => text.Split([' ', ',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int? Number(string text, string field) =>
        string.IsNullOrWhiteSpace(text) ? null
        : int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : throw new InvalidFieldException(field, $"'{text}' is not a whole number");
}
