using System.CommandLine;
using System.Globalization;
using AgentCron.Client;
using AgentCron.Cli.Output;
using AgentCron.Core.Contracts;
using AgentCron.Core.Model;

namespace AgentCron.Cli.Commands;

/// <summary><c>agentcron deliveries list | retry</c> and <c>agentcron channels [test]</c>: the outbox and the channels it sends through.</summary>
internal static class DeliveriesCommands
{
    public static Command Deliveries(CliContext context) =>
        new("deliveries", "The outbox: each run's result (and each alert) per target, delivered, waiting or dead")
        {
            ListCommand(context),
            RetryCommand(context),
        };

    public static Command Channels(CliContext context)
    {
        var noCheck = new Option<bool>("--no-check") { Description = "Do not ask the platforms whether the credentials work" };
        var json = CommonOptions.Json();
        var command = new Command("channels", "The channels configured under Channels in config.yaml, each checked (nothing is posted)") { noCheck, json, TestCommand(context) };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var channels = await client.SendAsync<IReadOnlyList<ChannelView>>(HttpMethod.Get, "api/channels" + AgentCronClient.Query(("check", parse.GetValue(noCheck) ? "false" : null)), null, null, ct);
            await context.PrintAsync(parse.GetValue(json), channels.Json, () => ChannelsText(channels.Value));
            return channels.Value.Any(c => c.Health == "failing") ? ExitCodes.Error : ExitCodes.Ok;
        });
        return command;
    }

    public static string ChannelsText(IReadOnlyList<ChannelView> channels)
    {
        if (channels.Count == 0)
        {
            return "No channels. Configure them under Channels in config.yaml (docs/channels.md).\n";
        }

        var table = new Table("NAME", "TYPE", "DEFAULT PLACE", "HEALTH");
        foreach (var channel in channels)
        {
            table.Add(channel.Name, channel.Type, channel.DefaultTo ?? TimeText.None, channel.Problem is { } problem ? $"{channel.Health}: {problem}" : channel.Health);
        }

        return table.ToString();
    }

    private static Command TestCommand(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The channel's name" };
        var thread = new Option<string>("--thread") { Description = "Where in the channel: its default place when left out", HelpName = "CHANNEL[:THREAD]" };
        var json = CommonOptions.Json();
        var command = new Command("test", "Send a test message through a channel now") { name, thread, json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var test = await client.SendAsync<ChannelTestView>(
                HttpMethod.Post,
                $"api/channels/{AgentCronClient.Segment(parse.GetValue(name)!)}/test" + AgentCronClient.Query(("thread", parse.GetValue(thread))),
                null,
                $"channel '{parse.GetValue(name)}' is not configured",
                ct);
            var view = test.Value;
            await context.PrintAsync(parse.GetValue(json), test.Json, () => view.Delivered
                ? $"Delivered through {view.Channel}{(view.RemoteId is { } id ? $" (message {id})" : "")}."
                : $"Not delivered through {view.Channel}: {view.Error}");
            return view.Delivered ? ExitCodes.Ok : ExitCodes.Error;
        });
        return command;
    }

    private static Command ListCommand(CliContext context)
    {
        var run = new Option<string>("--run") { Description = "Only deliveries of this run", HelpName = "ID" };
        var status = CommonOptions.Choice<DeliveryStatus>("--status", "Only deliveries in this state");
        var limit = CommonOptions.Limit("deliveries");
        var all = CommonOptions.All("deliveries");
        var tz = CommonOptions.DisplayTz();
        var json = CommonOptions.Json();
        var command = new Command("list", "List deliveries, newest first") { run, status, limit, all, tz, json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var time = context.TimeText(parse.GetValue(tz));
            var (items, raw, more) = await Pages.ReadAsync<DeliveryView>(
                client,
                cursor => "api/deliveries" + AgentCronClient.Query(
                    ("run", parse.GetValue(run)), ("status", parse.GetValue(status)), ("limit", Pages.Text(parse.GetValue(limit))), ("cursor", cursor)),
                parse.GetValue(all), ct);
            await context.PrintAsync(parse.GetValue(json), raw, () => List(items, time));
            if (more && !parse.GetValue(json))
                await context.Error.WriteLineAsync("(more deliveries: use --all, or a larger --limit)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command RetryCommand(CliContext context)
    {
        var id = new Argument<string>("ID") { Description = "The delivery's id" };
        var json = CommonOptions.Json();
        var command = new Command("retry", "Try a dead (or waiting) delivery again now") { id, json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var delivery = await client.SendAsync<DeliveryView>(
                HttpMethod.Post, $"api/deliveries/{AgentCronClient.Segment(parse.GetValue(id)!)}/retry", null, $"delivery '{parse.GetValue(id)}' does not exist", ct);
            return await context.PrintAsync(parse.GetValue(json), delivery.Json, () => $"Delivery {delivery.Value.Id} to {delivery.Value.Target} is due again now.");
        });
        return command;
    }

    private static string List(IEnumerable<DeliveryView> deliveries, TimeText time)
    {
        var table = new Table("ID", "RUN", "TARGET", "KIND", "STATUS", "TRIES", "CREATED", "ERROR/MESSAGE");
        foreach (var d in deliveries)
        {
            table.Add(
                d.Id,
                d.RunId,
                d.Target,
                d.Kind,
                d.Status == "pending" && d.NextAttemptAt is { } next ? $"pending, next {time.Relative(next)}" : d.Status,
                d.Attempts.ToString(CultureInfo.InvariantCulture),
                time.Relative(d.CreatedAt),
                d.Status == "delivered" ? d.RemoteId ?? "" : d.LastError ?? "");
        }

        return table.RowCount == 0 ? "No deliveries.\n" : table.ToString();
    }
}
