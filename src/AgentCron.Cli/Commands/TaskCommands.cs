using System.CommandLine;
using System.Text.Json;
using AgentCron.Client;
using AgentCron.Cli.Output;
using AgentCron.Core.Contracts;
using AgentCron.Core.Model;

namespace AgentCron.Cli.Commands;

/// <summary><c>agentcron task create | list | show | update | pause | resume | run | cancel | delete</c>.</summary>
internal static class TaskCommands
{
    public static Command Create(CliContext context) =>
        new("task", "Create, list, change and run tasks")
        {
            CreateCommand(context),
            ListCommand(context),
            ShowCommand(context),
            UpdateCommand(context),
            ActionCommand(context, "pause", "Pause a task: it stops firing until resumed", t => $"Paused task {TaskText.Name(t)}."),
            ActionCommand(context, "resume", "Resume a paused task", t => $"Resumed task {TaskText.Name(t)}: {TaskText.Schedule(t, context.TimeText(null))}"),
            RunCommand(context),
            ActionCommand(context, "cancel", "Cancel the task's queued and running runs; a one-time task that has not run ends cancelled (pause stops a recurring one). A task that has ended with nothing running is an error", TaskText.Cancelled),
            DeleteCommand(context),
        };

    public static string TaskPath(string idOrSlug) => $"api/tasks/{AgentCronClient.Segment(idOrSlug)}";

    public static string NotFound(string idOrSlug) => $"task '{idOrSlug}' does not exist";

    private static Argument<string> IdArgument() => new("ID") { Description = "The task's id or slug" };

    private static Command CreateCommand(CliContext context)
    {
        var command = new Command("create", "Create a task; without --at/--in/--every/--cron/--window it runs only on 'task run'");
        var options = TaskOptions.ForCreate(command);
        var json = CommonOptions.Json();
        command.Options.Add(json);
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var input = options.ToInput(parse, context.In, Environment.CurrentDirectory, context.Environment["AGENTCRON_THREAD"] as string);
            var created = await client.SendAsync<TaskView>(HttpMethod.Post, "api/tasks", input, null, ct);
            await WarnAsync(context, created.Value);
            return await context.PrintAsync(parse.GetValue(json), created.Json, () =>
            {
                var text = TaskText.Created(created.Value, context.TimeText(null));
                return created.Value.RunId is { } runId
                    ? $"{text}\nStarted run {runId}; follow it with 'agentcron runs log {runId} --follow'."
                    : text;
            });
        });
        return command;
    }

    private static Command ListCommand(CliContext context)
    {
        var status = CommonOptions.Choice<TaskState>("--status", "Only tasks in this state");
        var agent = new Option<string>("--agent") { Description = "Only tasks of this agent provider", HelpName = "PROVIDER" };
        var thread = new Option<string>("--thread") { Description = "Only tasks on this thread, or on threads that start with it (slack:C1)", HelpName = "THREAD" };
        var search = new Option<string>("--search") { Description = "Only tasks whose name or slug contains this (any letter case)", HelpName = "TEXT" };
        var limit = CommonOptions.Limit("tasks");
        var all = CommonOptions.All("tasks");
        var tz = CommonOptions.DisplayTz();
        var json = CommonOptions.Json();
        var command = new Command("list", "List tasks") { status, agent, thread, search, limit, all, tz, json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var time = context.TimeText(parse.GetValue(tz));
            var (items, raw, more) = await Pages.ReadAsync<TaskView>(
                client,
                cursor => "api/tasks" + AgentCronClient.Query(
                    ("status", parse.GetValue(status)), ("agent", parse.GetValue(agent)), ("thread", parse.GetValue(thread)), ("q", parse.GetValue(search)),
                    ("limit", Pages.Text(parse.GetValue(limit))), ("cursor", cursor)),
                parse.GetValue(all), ct);
            await context.PrintAsync(parse.GetValue(json), raw, () => TaskText.List(items, time));
            if (more && !parse.GetValue(json))
                await context.Error.WriteLineAsync("(more tasks: use --all, or a larger --limit)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ShowCommand(CliContext context)
    {
        var id = IdArgument();
        var tz = CommonOptions.DisplayTz();
        var json = CommonOptions.Json();
        var command = new Command("show", "Show a task: trigger, next run, policies, last run, instructions") { id, tz, json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var task = await client.SendAsync<TaskView>(HttpMethod.Get, TaskPath(parse.GetValue(id)!), null, NotFound(parse.GetValue(id)!), ct);
            return await context.PrintAsync(parse.GetValue(json), task.Json, () => TaskText.Show(task.Value, context.TimeText(parse.GetValue(tz))));
        });
        return command;
    }

    private static Command UpdateCommand(CliContext context)
    {
        var id = IdArgument();
        var command = new Command("update", "Change a task; only the options given change") { id };
        var options = TaskOptions.ForUpdate(command);
        var json = CommonOptions.Json();
        command.Options.Add(json);
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var input = options.ToInput(parse, context.In, Environment.CurrentDirectory, context.Environment["AGENTCRON_THREAD"] as string);
            if (input == new TaskInput())
                throw new UsageException("nothing to change; give at least one option such as --cron, --prompt or --timeout (see 'agentcron task update --help')");
            var task = await client.SendAsync<TaskView>(HttpMethod.Patch, TaskPath(parse.GetValue(id)!), input, NotFound(parse.GetValue(id)!), ct);
            await WarnAsync(context, task.Value);
            return await context.PrintAsync(parse.GetValue(json), task.Json, () => TaskText.Updated(task.Value, context.TimeText(null)));
        });
        return command;
    }

    private static Command ActionCommand(CliContext context, string verb, string description, Func<TaskView, string> done)
    {
        var id = IdArgument();
        var json = CommonOptions.Json();
        var command = new Command(verb, description) { id, json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var task = await client.SendAsync<TaskView>(HttpMethod.Post, $"{TaskPath(parse.GetValue(id)!)}/{verb}", null, NotFound(parse.GetValue(id)!), ct);
            return await context.PrintAsync(parse.GetValue(json), task.Json, () => done(task.Value));
        });
        return command;
    }

    private static Command RunCommand(CliContext context)
    {
        var id = IdArgument();
        var json = CommonOptions.Json();
        var command = new Command("run", "Start a run of a task now") { id, json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var run = await client.SendAsync<RunView>(HttpMethod.Post, $"{TaskPath(parse.GetValue(id)!)}/run", null, NotFound(parse.GetValue(id)!), ct);
            return await context.PrintAsync(parse.GetValue(json), run.Json, () =>
                $"Started run {run.Value.Id} of task {run.Value.TaskSlug ?? parse.GetValue(id)} ({run.Value.Status}); follow it with 'agentcron runs log {run.Value.Id} --follow'.");
        });
        return command;
    }

    private static Command DeleteCommand(CliContext context)
    {
        var id = IdArgument();
        var json = CommonOptions.Json();
        var command = new Command("delete", "Delete a task and its history") { id, json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var idOrSlug = parse.GetValue(id)!;
            // The API answers 204 without a body: read the task first, so the answer names its id and slug whichever was
            // given, and delete it by id (a slug could name another task by then).
            var task = (await client.SendAsync<TaskView>(HttpMethod.Get, TaskPath(idOrSlug), null, NotFound(idOrSlug), ct)).Value;
            await client.SendAsync(HttpMethod.Delete, TaskPath(task.Id), NotFound(idOrSlug), ct);
            var raw = JsonSerializer.SerializeToElement(new { id = task.Id, slug = task.Slug, deleted = true }, Client.Json.Options);
            return await context.PrintAsync(parse.GetValue(json), raw, () => $"Deleted task {TaskText.Name(task)}.");
        });
        return command;
    }

    /// <summary>The daemon's warnings about a task it saved (e.g. its agent is not installed) go to stderr; the exit code stays 0.</summary>
    private static async Task WarnAsync(CliContext context, TaskView task)
    {
        foreach (var warning in task.Warnings ?? [])
            await context.Error.WriteLineAsync($"warning: {warning}");
    }
}
