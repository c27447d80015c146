using System.CommandLine;
using System.CommandLine.Parsing;
using AgentCron.Client;
using AgentCron.Core.Contracts;
using AgentCron.Core.Model;
using AgentCron.Core.Triggers;

namespace AgentCron.Cli.Commands;

/// <summary>
/// The flags of <c>task create</c> and <c>task update</c> and their mapping to a <see cref="TaskInput"/>:
/// on update every flag is optional and only the members given are sent (PATCH).
/// </summary>
public sealed class TaskOptions
{
    private TaskOptions(bool create)
    {
        IsCreate = create;
        Paused = create ? new("--paused") { Description = "Create the task paused" } : null;
        RunNow = create ? new("--run-now") { Description = "Also start a run right away" } : null;
        Here = create ? new("--here") { Description = "Anchor to the chat thread of the run this is called from (AGENTCRON_THREAD): a follow-up in the same conversation" } : null;
        Manual = create ? null : new("--manual") { Description = "Remove the trigger: the task then runs only on 'agentcron task run'" };
    }

    public bool IsCreate { get; }

    public Option<bool>? Here { get; }

    public Option<string> At { get; } = new("--at")
    {
        Description = "Run once at this time: now, +20m, 2026-11-22T09:00:00+01:00, or 2026-11-22 09:00 (in --tz)",
        HelpName = "TIME",
    };

    public Option<string> In { get; } = new("--in") { Description = "Run once after this duration: 90s, 20m, 2h, 1d", HelpName = "DURATION" };
    public Option<string> Every { get; } = new("--every") { Description = "Run at this fixed interval from now: 15m, 1h", HelpName = "DURATION" };
    public Option<string> Cron { get; } = new("--cron") { Description = "Run on this cron schedule: \"30 8 * * 1-5\", @daily", HelpName = "EXPR" };
    public Option<string> Window { get; } = new("--window") { Description = "Run once a day inside this window: 09:00-11:00", HelpName = "HH:MM-HH:MM" };

    public Option<string> Tz { get; } = new("--tz")
    {
        Description = "IANA time zone of --cron, --window or an --at time without offset (default: the daemon's)",
        HelpName = "ZONE",
    };

    public Option<string> Prompt { get; } = new("--prompt") { Description = "The instructions for the agent", HelpName = "TEXT" };
    public Option<string> PromptFile { get; } = new("--prompt-file") { Description = "Read the instructions from a file ('-' reads stdin)", HelpName = "FILE" };
    public Option<string> Name { get; } = new("--name") { Description = "A name for people", HelpName = "NAME" };
    public Option<string> Slug { get; } = new("--slug") { Description = "A unique, URL-safe handle (default: from the name)", HelpName = "SLUG" };
    public Option<string> Agent { get; } = new("--agent") { Description = "Agent provider: command, claudecode (claude), codex, gemini, qwen, opencode, kilo, openai, or a configured one (agentcron agents lists them); default: the daemon's", HelpName = "PROVIDER" };
    public Option<string> Model { get; } = new("--model") { Description = "Model for the agent", HelpName = "MODEL" };
    public Option<string> Permissions { get; } = CommonOptions.Choice<AgentPermissions>("--permissions", "What an agent CLI may do: read_only (default), edit (files), full (files and commands)");
    public Option<string> Command { get; } = new("--command") { Description = "Program and arguments for the command agent", HelpName = "CMD" };
    public Option<string> Cwd { get; } = new("--cwd") { Description = "Working directory of the agent (relative paths are resolved here)", HelpName = "DIR" };

    public Option<string> Thread { get; } = new("--thread")
    {
        Description = "Anchor to a chat thread, where results are posted when a channel serves its platform; an empty value removes the anchor",
        HelpName = "PLATFORM:CHANNEL[:THREAD]",
    };

    public Option<string[]> Deliver { get; } = new("--deliver")
    {
        Description = "Also deliver results to a channel configured under Channels (agentcron channels lists them); repeatable. On update it replaces the list; --deliver '' removes them all",
        HelpName = "NAME[:CHANNEL[:THREAD]]",
    };

    public Option<string> Timeout { get; } = new("--timeout") { Description = "Kill the agent after this long (default 30m)", HelpName = "DURATION" };
    public Option<int?> Retries { get; } = CommonOptions.WholeNumber("--retries", "Retries after a failure (default 2)", min: 0);
    public Option<string> Overlap { get; } = CommonOptions.Choice<OverlapPolicy>("--overlap", "When a run is still going at the next occurrence");
    public Option<string> Misfire { get; } = CommonOptions.Choice<MisfirePolicy>("--misfire", "What to do with occurrences missed while no daemon was up");
    public Option<string> CatchUp { get; } = new("--catch-up") { Description = "Missed occurrences older than this are not caught up", HelpName = "DURATION" };
    public Option<string> Jitter { get; } = new("--jitter") { Description = "Delay each occurrence by a random amount up to this", HelpName = "DURATION" };
    public Option<int?> MaxFailures { get; } = CommonOptions.WholeNumber("--max-failures", "Pause the task after this many consecutive failures (0: never)", min: 0);
    public Option<bool?> RecurringFollowUps { get; } = new("--recurring-follow-ups")
    {
        Description = "Let this task's agent schedule recurring tasks too (one-time follow-ups are always allowed); false turns it off",
        HelpName = "true|false",
        Arity = ArgumentArity.ZeroOrOne,
    };

    /// <summary>Create only.</summary>
    public Option<bool>? Paused { get; }

    /// <summary>Create only.</summary>
    public Option<bool>? RunNow { get; }

    /// <summary>Update only.</summary>
    public Option<bool>? Manual { get; }

    private IEnumerable<Option<string>> TriggerKinds => [At, In, Every, Cron, Window];

    /// <summary>Creates the options of <c>task create</c> and adds them, with their validation, to <paramref name="command"/>.</summary>
    public static TaskOptions ForCreate(Command command) => new TaskOptions(create: true).AddTo(command);

    /// <summary>Creates the options of <c>task update</c> and adds them, with their validation, to <paramref name="command"/>.</summary>
    public static TaskOptions ForUpdate(Command command) => new TaskOptions(create: false).AddTo(command);

    /// <summary>
    /// Builds the request body from the parsed flags. <paramref name="stdin"/> is read for <c>--prompt-file -</c>;
    /// <paramref name="currentDirectory"/> resolves a relative <c>--cwd</c>.
    /// </summary>
    /// <exception cref="CommandFailedException">When the prompt file cannot be read.</exception>
    public TaskInput ToInput(ParseResult parse, TextReader stdin, string currentDirectory, string? currentThread = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(stdin);
        string? Value(Option<string> option) => parse.GetValue(option);

        TriggerInput? trigger = null;
        if (TriggerKinds.Any(o => Value(o) is not null) || Value(Tz) is not null || (Manual is not null && parse.GetValue(Manual)))
            trigger = new TriggerInput(Value(At), Value(In), Value(Every), Value(Cron), Value(Window), Value(Tz));

        AgentInput? agent = null;
        if (Value(Agent) is not null || Value(Model) is not null || Value(Command) is not null || Value(Cwd) is not null || Value(Permissions) is not null)
        {
            agent = new AgentInput
            {
                Provider = Value(Agent),
                Model = Value(Model),
                Permissions = Value(Permissions),
                Command = Value(Command),
                // The daemon runs elsewhere; "--cwd ." means the directory the person typed it in.
                Cwd = Value(Cwd) is { Length: > 0 } cwd ? Path.GetFullPath(cwd, currentDirectory) : Value(Cwd),
            };
        }

        var policies = new PoliciesInput
        {
            Timeout = Value(Timeout),
            Retries = parse.GetValue(Retries),
            Overlap = Value(Overlap),
            Misfire = Value(Misfire),
            CatchUp = Value(CatchUp),
            Jitter = Value(Jitter),
            MaxConsecutiveFailures = parse.GetValue(MaxFailures),
            RecurringFollowUps = parse.GetResult(RecurringFollowUps) is null ? null : parse.GetValue(RecurringFollowUps) ?? true,
        };

        return new TaskInput
        {
            Name = Value(Name),
            Slug = Value(Slug),
            Instructions = ReadPrompt(parse, stdin),
            Trigger = trigger,
            Agent = agent,
            Thread = ThreadOf(parse, currentThread),
            Deliver = parse.GetResult(Deliver) is null ? null : [.. parse.GetValue(Deliver)!.Where(d => d.Length > 0)],
            Policies = policies == new PoliciesInput() ? null : policies,
            RunNow = RunNow is not null && parse.GetValue(RunNow) ? true : null,
            Active = Paused is not null && parse.GetValue(Paused) ? false : null,
        };
    }

    private string? ReadPrompt(ParseResult parse, TextReader stdin)
    {
        if (parse.GetValue(Prompt) is { } prompt)
            return prompt;
        if (parse.GetValue(PromptFile) is not { } file)
            return null;
        try
        {
            var text = file == "-" ? stdin.ReadToEnd() : File.ReadAllText(file);
            return text.TrimEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException($"--prompt-file: cannot read '{file}': {e.Message}");
        }
    }

    /// <summary><c>--thread</c>, or with <c>--here</c> the thread of the run the command is called from.</summary>
    private string? ThreadOf(ParseResult parse, string? currentThread)
    {
        if (Here is null || !parse.GetValue(Here))
        {
            return parse.GetValue(Thread);
        }

        if (parse.GetValue(Thread) is not null)
        {
            throw new UsageException("--here and --thread both name a thread; give one");
        }

        return string.IsNullOrWhiteSpace(currentThread)
            ? throw new UsageException("--here: AGENTCRON_THREAD is not set; --here works inside a run of a task anchored to a chat thread (use --thread PLATFORM:CHANNEL:THREAD elsewhere)")
            : currentThread;
    }

    private TaskOptions AddTo(Command command)
    {
        Option[] options =
        [
            At, In, Every, Cron, Window, Tz, Prompt, PromptFile, Name, Slug, Agent, Model, Permissions, Command, Cwd, Thread, Deliver,
            Timeout, Retries, Overlap, Misfire, CatchUp, Jitter, MaxFailures, RecurringFollowUps,
        ];
        foreach (var option in options)
            command.Options.Add(option);
        foreach (var option in new[] { Paused, RunNow, Manual, Here })
        {
            if (option is not null)
                command.Options.Add(option);
        }
        command.Validators.Add(Validate);
        return this;
    }

    private void Validate(CommandResult result)
    {
        var kinds = TriggerKinds.Where(o => result.GetResult(o) is not null).Select(o => o.Name).ToList();
        if (kinds.Count > 1)
            result.AddError($"give at most one of --at, --in, --every, --cron, --window; got {string.Join(" and ", kinds)}");
        if (Manual is not null && result.GetValue(Manual) && (kinds.Count > 0 || result.GetResult(Tz) is not null))
            result.AddError("--manual removes the trigger; it cannot go with --at, --in, --every, --cron, --window or --tz");

        var prompt = result.GetResult(Prompt) is not null;
        var promptFile = result.GetResult(PromptFile) is not null;
        if (prompt && promptFile)
            result.AddError("give either --prompt or --prompt-file, not both");
        else if (IsCreate && !prompt && !promptFile)
            result.AddError("give the instructions with --prompt TEXT or --prompt-file FILE ('-' reads stdin)");
    }
}
