using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AgentCron.Client;
using AgentCron.Cli.Output;
using AgentCron.Core.Contracts;
using AgentCron.Core.Model;

namespace AgentCron.Cli.Commands;

/// <summary><c>agentcron runs list | show | log | cancel</c>.</summary>
internal static class RunsCommands
{
    /// <summary>Entries asked for per log page (the API's largest page).</summary>
    private const int LogPageSize = 500;

    /// <summary>How often <c>--follow</c> reconnects in a row before giving up (a daemon restart takes a few).</summary>
    private const int MaxReconnects = 10;

    public static Command Create(CliContext context) =>
        new("runs", "List runs, read their logs, cancel them")
        {
            ListCommand(context),
            ShowCommand(context),
            LogCommand(context),
            CancelCommand(context),
        };

    public static string RunPath(string id) => $"api/runs/{AgentCronClient.Segment(id)}";

    public static string NotFound(string id) => $"run '{id}' does not exist";

    private static Argument<string> RunArgument() => new("RUN") { Description = "The run's id" };

    private static Command ListCommand(CliContext context)
    {
        var task = new Option<string>("--task") { Description = "Only runs of this task", HelpName = "ID" };
        var status = CommonOptions.Choice<RunStatus>("--status", "Only runs in this state");
        var limit = CommonOptions.Limit("runs");
        var all = CommonOptions.All("runs");
        var tz = CommonOptions.DisplayTz();
        var json = CommonOptions.Json();
        var command = new Command("list", "List runs, newest first") { task, status, limit, all, tz, json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var time = context.TimeText(parse.GetValue(tz));
            var (items, raw, more) = await Pages.ReadAsync<RunView>(
                client,
                cursor => "api/runs" + AgentCronClient.Query(
                    ("task", parse.GetValue(task)), ("status", parse.GetValue(status)), ("limit", Pages.Text(parse.GetValue(limit))), ("cursor", cursor)),
                parse.GetValue(all), ct);
            await context.PrintAsync(parse.GetValue(json), raw, () => RunText.List(items, time));
            if (more && !parse.GetValue(json))
                await context.Error.WriteLineAsync("(more runs: use --all, or a larger --limit)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ShowCommand(CliContext context)
    {
        var id = RunArgument();
        var tz = CommonOptions.DisplayTz();
        var json = CommonOptions.Json();
        var command = new Command("show", "Show a run: status, times, agent, summary, error and output") { id, tz, json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var run = await client.SendAsync<RunView>(HttpMethod.Get, RunPath(parse.GetValue(id)!), null, NotFound(parse.GetValue(id)!), ct);
            return await context.PrintAsync(parse.GetValue(json), run.Json, () => RunText.Show(run.Value, context.TimeText(parse.GetValue(tz))));
        });
        return command;
    }

    private static Command CancelCommand(CliContext context)
    {
        var id = RunArgument();
        var json = CommonOptions.Json();
        var command = new Command("cancel", "Cancel a queued or running run (the agent's process tree is stopped)") { id, json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var run = await client.SendAsync<RunView>(HttpMethod.Post, $"{RunPath(parse.GetValue(id)!)}/cancel", null, NotFound(parse.GetValue(id)!), ct);
            return await context.PrintAsync(parse.GetValue(json), run.Json, () => run.Value.Status is "queued" or "running"
                ? $"Cancelling run {run.Value.Id} ({run.Value.Status})."
                : $"Run {run.Value.Id} is {run.Value.Status}.");
        });
        return command;
    }

    private static Command LogCommand(CliContext context)
    {
        var id = RunArgument();
        var follow = new Option<bool>("--follow", "-f")
        {
            Description = "Keep printing as the run writes, until it ends; exit 0 if it succeeded, 1 otherwise",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print the API's JSON (indented); with --follow, one log entry per line (JSON Lines)",
        };
        var command = new Command("log", "Print a run's log: the agent's output, and [type] lines for other events") { id, follow, json };
        command.SetClientBody(context, (parse, client, ct) =>
            parse.GetValue(follow)
                ? FollowAsync(context, client, parse.GetValue(id)!, parse.GetValue(json), ct)
                : PrintLogAsync(context, client, parse.GetValue(id)!, parse.GetValue(json), ct));
        return command;
    }

    private static async Task<int> PrintLogAsync(CliContext context, AgentCronClient client, string runId, bool json, CancellationToken ct)
    {
        var raw = new List<JsonElement>();
        long after = 0;
        var finished = false;
        while (true)
        {
            var page = await client.SendAsync<LogView>(
                HttpMethod.Get, $"{RunPath(runId)}/log" + AgentCronClient.Query(("after", Text(after)), ("limit", Text(LogPageSize))), null, NotFound(runId), ct);
            finished = page.Value.Finished;
            if (json && page.Json.TryGetProperty("items", out var items))
                raw.AddRange(items.EnumerateArray());
            else
                await WriteEntriesAsync(context, page.Value.Items);
            if (page.Value.Items.Count == 0 || page.Value.Next <= after)
                break;
            after = page.Value.Next;
        }
        if (json)
        {
            var merged = JsonSerializer.SerializeToElement(new { items = raw, next = after, finished }, Client.Json.Options);
            await context.Out.WriteLineAsync(Client.Json.Indented(merged));
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Streams the log over Server-Sent Events until the <c>end</c> event, reconnecting after the last entry seen
    /// when the connection drops (a daemon restart), so no entry is printed twice or lost.
    /// </summary>
    private static async Task<int> FollowAsync(CliContext context, AgentCronClient client, string runId, bool json, CancellationToken ct)
    {
        long after = 0;
        var failures = 0;
        while (true)
        {
            try
            {
                await foreach (var item in client.StreamAsync($"{RunPath(runId)}/log/stream" + AgentCronClient.Query(("after", Text(after))), NotFound(runId), ct))
                {
                    failures = 0;
                    if (item.EventType == "log")
                    {
                        var entry = JsonSerializer.Deserialize<LogEntryView>(item.Data, Client.Json.Options)!;
                        if (entry.Seq <= after)
                            continue;
                        after = entry.Seq;
                        if (json)
                            await context.Out.WriteLineAsync(Client.Json.Compact(JsonSerializer.Deserialize<JsonElement>(item.Data)));
                        else
                            await WriteEntriesAsync(context, [entry]);
                    }
                    else if (item.EventType == "end")
                    {
                        var run = JsonSerializer.Deserialize<RunView>(item.Data, Client.Json.Options)!;
                        await context.Error.WriteLineAsync(RunText.Finished(run));
                        return run.Status == "succeeded" ? ExitCodes.Ok : ExitCodes.Error;
                    }
                }
                // Closed without an end event (the daemon stopped): reconnect, but not forever.
                if (++failures > MaxReconnects)
                    throw new CommandFailedException($"the log stream of run {runId} keeps closing before the run ends");
            }
            catch (Exception e) when (e is DaemonUnreachableException or HttpRequestException or IOException && ++failures <= MaxReconnects)
            {
                // The connection dropped; try again below from the last entry seen.
            }
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, Math.Max(1, failures))), context.Time, ct);
        }
    }

    private static async Task WriteEntriesAsync(CliContext context, IEnumerable<LogEntryView> entries)
    {
        foreach (var entry in entries)
        {
            var (line, isStderr) = entry.Line();
            await (isStderr ? context.Error : context.Out).WriteLineAsync(line);
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
