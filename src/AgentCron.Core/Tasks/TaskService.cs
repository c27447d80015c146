using AgentCron.Core.Contracts;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;

namespace AgentCron.Core.Tasks;

/// <summary>
/// What clients can do with tasks and runs, validated, written durably, and then signalled to the engine. The API,
/// the CLI (through the API) and later the MCP server all go through here.
/// </summary>
public sealed class TaskService(IAgentCronStore store, RunnerRegistry runners, TaskDefaults defaults, RunEnvironment environment, DeliveryPolicy deliveries, IEngine engine, TimeProvider time)
{
    public Task<CreatedTask> CreateAsync(TaskInput input, CancellationToken cancellationToken) => CreateAsync(input, null, cancellationToken);

    /// <summary>
    /// Creates a task for the agent of <paramref name="creator"/>, which calls with its run token: one-time tasks always,
    /// recurring ones only if the creating task allows them (<c>policies.recurringFollowUps</c>), at most
    /// <see cref="TaskDefaults.MaxFollowUpsPerRun"/> per run, never with a manual run at once (<c>runNow</c>), and never
    /// with more power than the creating task has (<see cref="FollowUpAgent"/>).
    /// </summary>
    public async Task<CreatedTask> CreateFollowUpAsync(TaskInput input, TaskRun creator, CancellationToken cancellationToken)
    {
        var creatorTask = await GetAsync(creator.TaskId, cancellationToken);
        return await CreateAsync(input, (creator, creatorTask), cancellationToken);
    }

    private async Task<CreatedTask> CreateAsync(TaskInput input, (TaskRun Run, AgentTask Task)? creator, CancellationToken cancellationToken)
    {
        var now = Now();
        var instructions = TaskValidation.Instructions(input.Instructions);
        var name = TaskValidation.Name(input.Name, instructions);
        var trigger = ResolveTrigger(input.Trigger, now);
        var thread = string.IsNullOrWhiteSpace(input.Thread) ? null : ThreadAnchor.Parse(input.Thread, "thread");
        var agent = creator is { } by
            ? FollowUpAgent(input.Agent, by.Task)
            : TaskValidation.Agent(input.Agent, new AgentSelection(), environment.Sandbox) with { Provider = await ProviderAsync(input.Agent?.Provider, thread, cancellationToken) };
        var task = new AgentTask
        {
            Id = Ids.New("t", time),
            Slug = input.Slug is { } slug ? TaskValidation.Slug(slug) : TaskValidation.SlugFrom(name),
            Name = name,
            Instructions = instructions,
            Status = input.Active == false ? TaskState.Paused : TaskState.Active,
            StatusReason = input.Active == false ? "created paused" : null,
            Trigger = trigger,
            Agent = runners.Normalize(agent),
            Thread = thread,
            Deliver = Targets(input.Deliver),
            Policies = TaskValidation.Policies(input.Policies, defaults.Policies),
            NextFireAt = input.Active == false ? null : trigger?.First(now),
            CreatedByRun = creator?.Run.Id,
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        if (creator is { } maker)
        {
            if (!task.IsOneTime && !maker.Task.Policies.RecurringFollowUps)
            {
                throw new ForbiddenException($"the agent of task '{maker.Task.Slug}' may schedule one-time follow-ups only; to let it create recurring tasks, set policies.recurringFollowUps on that task");
            }

            if (input.RunNow == true)
            {
                throw new ForbiddenException("a run's token may not start runs: leave runNow out and give the follow-up a trigger, e.g. {\"in\": \"1m\"}");
            }

            RequireCreatorsChats(task, maker.Task);
        }

        var firstRun = input.RunNow == true ? ManualRun(task, now) : null;

        // A generated slug that is taken gets a number; a slug the client chose is a conflict.
        for (var n = 2; ; n++)
        {
            try
            {
                await (creator is null
                    ? store.Tasks.CreateAsync(task, firstRun, cancellationToken)
                    : store.Tasks.CreateFollowUpAsync(task, firstRun, defaults.MaxFollowUpsPerRun, cancellationToken));
                break;
            }
            catch (ConflictException) when (input.Slug is null && n < 100)
            {
                task = task with { Slug = $"{TaskValidation.SlugFrom(name)}-{n}" };
            }
        }

        engine.Wake();
        return new CreatedTask(task, firstRun);
    }

    /// <summary>
    /// The provider of a new task (a follow-up's is its creator's, <see cref="FollowUpAgent"/>), in order: the one it
    /// names; else the one that already holds a session on its thread (a task continues the conversation it belongs
    /// to); else the global default. It is fixed at creation, so changing the default later never moves an existing task
    /// to another (possibly paid) agent.
    /// </summary>
    private async Task<string> ProviderAsync(string? named, ThreadAnchor? thread, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(named))
        {
            return runners.Resolve(named).Provider;
        }

        if (thread is not null)
        {
            foreach (var session in await store.Threads.SessionsAsync(thread.ToString(), cancellationToken))
            {
                if (runners.Providers.Contains(session.Provider))
                {
                    return session.Provider;
                }
            }
        }

        return runners.DefaultProvider;
    }

    /// <summary>
    /// The agent of a follow-up: never more than its creator's. The provider is the creator's, the command agent's
    /// command exactly the creator's, the posture (<c>agent.permissions</c>) at most the creator's and the working
    /// directory the one the creator's runs work in — any other directory could hold what an <c>edit</c> posture should
    /// not reach. A creator without <c>agent.cwd</c> works in its own folder (<see cref="RunEnvironment.WorkingDirectory"/>):
    /// the follow-up is given that folder, so it finds what its creator left there. What the follow-up leaves out it
    /// inherits, including the model (which it may change: another model of the same agent gains no power). A member
    /// beyond that is refused with <see cref="ForbiddenException"/>, saying what is allowed.
    /// </summary>
    private AgentSelection FollowUpAgent(AgentInput? input, AgentTask creator)
    {
        var allowed = creator.Agent with { Cwd = environment.WorkingDirectory(creator) };
        var agent = TaskValidation.Agent(input, allowed, environment.Sandbox);
        var by = $"a follow-up of task '{creator.Slug}' runs";
        if (!string.IsNullOrWhiteSpace(input?.Provider) && runners.Resolve(input.Provider).Provider != allowed.Provider)
        {
            throw new ForbiddenException($"{by} with its agent: agent.provider may only be '{allowed.Provider}' (or left out)");
        }

        if (agent.Command != allowed.Command)
        {
            throw new ForbiddenException(allowed.Command is null
                ? $"{by} with its agent, '{allowed.Provider}', which takes no agent.command; leave it out"
                : $"{by} its command exactly: agent.command may only be '{allowed.Command}' (or left out)");
        }

        var most = allowed.Permissions ?? AgentPermissions.ReadOnly;
        if ((agent.Permissions ?? AgentPermissions.ReadOnly) > most)
        {
            var postures = Enum.GetValues<AgentPermissions>().Where(p => p <= most).Select(p => EnumText.ToText(p));
            throw new ForbiddenException($"{by} at most at its posture, '{EnumText.ToText(most)}': agent.permissions may be {string.Join(" or ", postures)} (or left out)");
        }

        if (!SameDirectory(agent.Cwd, allowed.Cwd))
        {
            throw new ForbiddenException($"{by} in its working directory: agent.cwd may only be '{allowed.Cwd}' (or left out)");
        }

        return agent with { Provider = allowed.Provider, Cwd = allowed.Cwd };
    }

    /// <summary>
    /// A follow-up posts its results only where its creator's go: an agent cannot send a message to a chat or address
    /// the person who set up its task did not choose. A thread on a platform no channel serves posts nothing and is free.
    /// </summary>
    private void RequireCreatorsChats(AgentTask followUp, AgentTask creator)
    {
        var chats = deliveries.Targets(creator).Select(Chat).ToHashSet();
        foreach (var target in deliveries.Targets(followUp))
        {
            if (!chats.Contains(Chat(target)))
            {
                var allowed = chats.Count == 0 ? "none: its results are not delivered anywhere" : string.Join(", ", chats);
                throw new ForbiddenException($"a follow-up of task '{creator.Slug}' delivers only where it does; '{target}' is not one of its chats ({allowed})");
            }
        }

        // A chat is a channel and a place in it, whatever thread.
        string Chat(DeliveryTarget target) =>
            deliveries.Channels.Find(target.Channel) is { } channel ? $"{channel.Name}:{target.To ?? channel.DefaultTo}" : target.ToString();
    }

    /// <summary>Parses and checks <c>deliver</c> targets: each names a configured channel, and a place where its channel has no default.</summary>
    private List<DeliveryTarget> Targets(IReadOnlyList<string>? texts)
    {
        var targets = new List<DeliveryTarget>();
        foreach (var text in texts ?? [])
        {
            var target = DeliveryTarget.Parse(text, "deliver");
            var channel = deliveries.Channels.Find(target.Channel) ?? throw new InvalidFieldException("deliver", $"'{text}': {deliveries.Channels.Unknown(target.Channel)}");
            if (target.To is null && channel is { TakesPlace: true, DefaultTo: null })
            {
                throw new InvalidFieldException("deliver", $"'{text}': channel '{channel.Name}' has no default place; write {channel.Name}:PLACE (a {channel.Type} {(channel.Type == "email" ? "address" : "channel or chat id")})");
            }

            if (!targets.Contains(target))
            {
                targets.Add(target);
            }
        }

        return targets;
    }

    private static bool SameDirectory(string? a, string? b) =>
        a is null || b is null ? a == b : Path.TrimEndingDirectorySeparator(a) == Path.TrimEndingDirectorySeparator(b);

    /// <summary>
    /// What the person who created or changed <paramref name="task"/> should know though nothing stopped it: its agent
    /// cannot run here (a CLI that is not installed, with the line that installs it). Null when there is nothing.
    /// </summary>
    public IReadOnlyList<string>? Warnings(AgentTask task)
    {
        var warnings = new List<string>();
        if (runners.Resolve(task.Agent.Provider).Unavailable() is { } reason)
        {
            warnings.Add($"{reason}. The task is saved; its runs fail until then.");
        }

        if (task.Thread is { } thread && deliveries.Channels.Find(thread.Platform) is null)
        {
            warnings.Add($"thread '{thread}': {deliveries.Channels.Unknown(thread.Platform)}. Its runs keep the thread's agent session, but their results are not posted there.");
        }

        return warnings.Count == 0 ? null : warnings;
    }

    public async Task<AgentTask> GetAsync(string idOrSlug, CancellationToken cancellationToken) =>
        await store.Tasks.FindAsync(idOrSlug, cancellationToken) ?? throw new NotFoundException($"task '{idOrSlug}' does not exist");

    /// <summary>Applies the members of <paramref name="input"/> that are set. <paramref name="expectedVersion"/> guards against lost updates.</summary>
    public Task<AgentTask> UpdateAsync(string idOrSlug, TaskInput input, long? expectedVersion, CancellationToken cancellationToken) =>
        ModifyAsync(idOrSlug, expectedVersion, (task, now) =>
        {
            var instructions = input.Instructions is null ? task.Instructions : TaskValidation.Instructions(input.Instructions);
            var triggerChanged = input.Trigger is not null;
            var trigger = triggerChanged ? ResolveTrigger(input.Trigger, now) : task.Trigger;
            var updated = task with
            {
                Name = input.Name is null ? task.Name : TaskValidation.Name(input.Name, instructions),
                Slug = input.Slug is null ? task.Slug : TaskValidation.Slug(input.Slug),
                Instructions = instructions,
                Trigger = trigger,
                Agent = input.Agent is null ? task.Agent : runners.Normalize(TaskValidation.Agent(input.Agent, task.Agent, environment.Sandbox)),
                Thread = input.Thread is null ? task.Thread : input.Thread.Length == 0 ? null : ThreadAnchor.Parse(input.Thread, "thread"),
                Deliver = input.Deliver is null ? task.Deliver : Targets(input.Deliver),
                Policies = TaskValidation.Policies(input.Policies, task.Policies),
            };
            if (triggerChanged)
            {
                // A new trigger starts from now; a finished one-time task given a new time becomes active again.
                var reactivate = task.Status is not (TaskState.Active or TaskState.Paused);
                updated = updated with
                {
                    Status = reactivate ? TaskState.Active : task.Status,
                    StatusReason = reactivate ? null : task.StatusReason,
                    NextFireAt = (reactivate || task.Status == TaskState.Active) ? trigger?.First(now) : null,
                };
            }

            return updated;
        }, cancellationToken);

    public Task<AgentTask> PauseAsync(string idOrSlug, CancellationToken cancellationToken) =>
        ModifyAsync(idOrSlug, null, (task, _) => task.Status switch
        {
            TaskState.Active => task with { Status = TaskState.Paused, StatusReason = "paused by user", NextFireAt = null },
            TaskState.Paused => task,
            _ => throw new ConflictException($"task '{task.Slug}' has ended ({EnumText.ToText(task.Status)}); only active tasks can be paused"),
        }, cancellationToken);

    /// <summary>Resumes from now: occurrences that fell while the task was paused are not caught up.</summary>
    public Task<AgentTask> ResumeAsync(string idOrSlug, CancellationToken cancellationToken) =>
        ModifyAsync(idOrSlug, null, (task, now) => task.Status switch
        {
            TaskState.Paused => task with
            {
                Status = TaskState.Active,
                StatusReason = null,
                ConsecutiveFailures = 0,
                NextFireAt = task.Trigger?.First(now),
            },
            TaskState.Active => task,
            _ => throw new ConflictException($"task '{task.Slug}' has ended ({EnumText.ToText(task.Status)}); give it a new trigger to schedule it again"),
        }, cancellationToken);

    /// <summary>Queues a manual run now, whatever the task's trigger and status.</summary>
    public async Task<TaskRun> RunNowAsync(string idOrSlug, CancellationToken cancellationToken)
    {
        var task = await GetAsync(idOrSlug, cancellationToken);
        var run = ManualRun(task, Now());
        await store.Runs.InsertAsync(run, cancellationToken);
        engine.Wake();
        return run;
    }

    /// <summary>
    /// Refuses (<see cref="ForbiddenException"/>) a run's agent that would cancel a task outside its own run chain: its
    /// own task, and the follow-ups its task's runs created, and theirs, and so on (<see cref="AgentTask.CreatedByRun"/>).
    /// Everything else belongs to people or to other agents. A task whose creating run was pruned (retention) or deleted
    /// with its task is no longer in the chain.
    /// </summary>
    public async Task RequireRunChainAsync(string idOrSlug, TaskRun caller, CancellationToken cancellationToken)
    {
        var target = await GetAsync(idOrSlug, cancellationToken);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (AgentTask? task = target; task is not null && seen.Add(task.Id);)
        {
            if (task.Id == caller.TaskId)
            {
                return;
            }

            task = task.CreatedByRun is { } runId && await store.Runs.FindAsync(runId, cancellationToken) is { } creatorRun
                ? await store.Tasks.FindAsync(creatorRun.TaskId, cancellationToken)
                : null;
        }

        throw new ForbiddenException($"a run's token may cancel only its own task and the follow-ups its task's runs created (and theirs); task '{target.Slug}' is not one of them");
    }

    /// <summary>
    /// Cancels the task's queued and running runs; a one-time task that has not run yet ends <c>cancelled</c> and a
    /// recurring task keeps its schedule. Returns the task after the change.
    /// </summary>
    /// <exception cref="ConflictException">When the task has ended and has no queued or running run: nothing would change.</exception>
    public async Task<AgentTask> CancelAsync(string idOrSlug, CancellationToken cancellationToken)
    {
        var task = await GetAsync(idOrSlug, cancellationToken);
        if (task.Status is not (TaskState.Active or TaskState.Paused) && (await store.Runs.ActiveRunsAsync(task.Id, cancellationToken)).Count == 0)
        {
            throw new ConflictException($"task '{task.Slug}' has already ended ({EnumText.ToText(task.Status)}) and has no queued or running run; nothing to cancel");
        }

        // A one-time task is ended first, so the planner cannot start its run after the runs below were listed.
        if (task.Trigger is AtTrigger && task.Status is TaskState.Active or TaskState.Paused)
        {
            task = await ModifyAsync(task.Id, null, (t, _) => t.Status is TaskState.Active or TaskState.Paused
                ? t with { Status = TaskState.Cancelled, StatusReason = "cancelled by user", NextFireAt = null }
                : t, cancellationToken);
        }

        foreach (var run in await store.Runs.ActiveRunsAsync(task.Id, cancellationToken))
        {
            try
            {
                await CancelRunAsync(run.Id, cancellationToken);
            }
            catch (ConflictException)
            {
                // It finished in the meantime.
            }
        }

        return await GetAsync(task.Id, cancellationToken);
    }

    public async Task DeleteAsync(string idOrSlug, CancellationToken cancellationToken)
    {
        var task = await GetAsync(idOrSlug, cancellationToken);
        foreach (var run in await store.Runs.ActiveRunsAsync(task.Id, cancellationToken))
        {
            engine.StopRun(run.Id);
        }

        // Runs of this task on other daemons lose their lease row with it, and their heartbeat then stops them.
        await store.Tasks.DeleteAsync(task.Id, cancellationToken);
        engine.Wake();
    }

    public async Task<TaskRun> GetRunAsync(string runId, CancellationToken cancellationToken) =>
        await store.Runs.FindAsync(runId, cancellationToken) ?? throw new NotFoundException($"run '{runId}' does not exist");

    /// <summary>A queued run is cancelled at once; a running one is killed by the daemon running it. Returns the run after the request.</summary>
    public async Task<TaskRun> CancelRunAsync(string runId, CancellationToken cancellationToken)
    {
        var now = Now();
        var cancelledQueued = false;
        var run = await store.Runs.CancelAsync(
            runId,
            now,
            claimed =>
            {
                cancelledQueued = true;
                return CompletionPolicy.Decide(claimed, new AttemptOutcome(RunStatus.Cancelled, null, "cancelled before it started"), now, engine.Options, Random.Shared);
            },
            cancellationToken) ?? throw new NotFoundException($"run '{runId}' does not exist");
        if (run.Status == RunStatus.Running)
        {
            engine.StopRun(runId);
        }
        else if (run.IsFinished && !cancelledQueued)
        {
            throw new ConflictException($"run '{runId}' has already finished ({EnumText.ToText(run.Status)})");
        }

        engine.Wake();
        return run;
    }

    private Trigger? ResolveTrigger(TriggerInput? input, DateTimeOffset now)
    {
        try
        {
            return input?.Resolve(now, defaults.TimeZone);
        }
        catch (InvalidFieldException ex)
        {
            throw ex.Field == "trigger" ? ex : ex.Under("trigger");
        }
    }

    /// <summary>Now, at the precision the store keeps, so what a write returns equals what a later read returns.</summary>
    private DateTimeOffset Now() => Trigger.ToStorePrecision(time.GetUtcNow());

    private TaskRun ManualRun(AgentTask task, DateTimeOffset now)
    {
        var id = Ids.New("r", time);
        return new TaskRun
        {
            Id = id,
            TaskId = task.Id,
            Occurrence = $"manual:{id}",
            Trigger = RunTrigger.Manual,
            ScheduledFor = now,
            NotBefore = now,
            Exclusive = task.Policies.Overlap != OverlapPolicy.Allow,
            CreatedAt = now,
        };
    }

    private async Task<AgentTask> ModifyAsync(string idOrSlug, long? expectedVersion, Func<AgentTask, DateTimeOffset, AgentTask> change, CancellationToken cancellationToken)
    {
        // The change is applied to the row as it is when locked, so the engine's own writes of the task (last run, next
        // fire time) are neither lost nor a reason to fail; only a version the client names can conflict.
        var task = await GetAsync(idOrSlug, cancellationToken);
        var updated = await store.Tasks.UpdateAsync(
            task.Id,
            expectedVersion,
            current =>
            {
                var now = Now();
                return change(current, now) with { UpdatedAt = now };
            },
            cancellationToken);
        engine.Wake();
        return updated;
    }
}
