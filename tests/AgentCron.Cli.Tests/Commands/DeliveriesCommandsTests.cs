using AgentCron.Cli.Output;
using AgentCron.Core.Contracts;

namespace AgentCron.Cli.Tests.Commands;

/// <summary><c>deliveries list | retry</c>, <c>channels [test]</c> and the delivery lines of <c>runs show</c>, against a fake daemon.</summary>
public sealed class DeliveriesCommandsTests
{
    private const string Delivery = """
        {"id": "d_01jd3x5q2v7k9m4p8t", "runId": "r_01jd3x5q2v7k9m4p8s", "taskId": "t_01jd3x5q2v7k9m4p8r", "target": "slack:C1:1700.1",
         "kind": "result", "status": "dead", "attempts": 10, "nextAttemptAt": null, "chunksSent": 0, "remoteId": null,
         "lastError": "Slack answered 503 (gave up after 10 tries)", "note": null, "createdAt": "2026-11-22T07:32:06+00:00", "deliveredAt": null}
        """;

    [Fact]
    public async Task DeliveriesList_AsksForTheRunAndStatus_AndPrintsATable()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Json(Views.Page("", Delivery)));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("deliveries", "list", "--run", "r_01jd3x5q2v7k9m4p8s", "--status", "dead");

        Assert.Equal(0, exitCode);
        Assert.Equal("/api/deliveries?run=r_01jd3x5q2v7k9m4p8s&status=dead", Assert.Single(daemon.Requests).PathAndQuery);
        Assert.Contains("d_01jd3x5q2v7k9m4p8t", cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("Slack answered 503 (gave up after 10 tries)", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeliveriesRetry_PostsAndSaysItIsDueAgain_OrThatItDoesNotExist()
    {
        await using var daemon = new FakeDaemon(r => r.PathAndQuery.Contains("d_missing", StringComparison.Ordinal)
            ? Reply.Problem(404, "no such delivery")
            : Reply.Json(Delivery.Replace("\"dead\"", "\"pending\"", StringComparison.Ordinal)));
        var cli = new CliRun(daemon.Url);

        Assert.Equal(0, await cli.RunAsync("deliveries", "retry", "d_01jd3x5q2v7k9m4p8t"));
        Assert.Equal(1, await cli.RunAsync("deliveries", "retry", "d_missing"));

        Assert.Equal(("POST", "/api/deliveries/d_01jd3x5q2v7k9m4p8t/retry"), (daemon.Requests[0].Method, daemon.Requests[0].PathAndQuery));
        Assert.Equal("Delivery d_01jd3x5q2v7k9m4p8t to slack:C1:1700.1 is due again now.\n", cli.Out.ToString());
        Assert.Equal("agentcron: delivery 'd_missing' does not exist\n", cli.Error.ToString());
    }

    [Fact]
    public async Task Channels_ListsHealth_AndExits1_WhenOneIsFailing()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Json("""
            [{"name": "hook", "type": "webhook", "defaultTo": null, "health": "unchecked", "problem": "a webhook is checked only by posting to it"},
             {"name": "slack", "type": "slack", "defaultTo": "C1", "health": "failing", "problem": "Slack refused the token: invalid_auth"}]
            """));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("channels");

        Assert.Equal(1, exitCode);
        Assert.Equal(
            """
            NAME   TYPE     DEFAULT PLACE  HEALTH
            hook   webhook  -              unchecked: a webhook is checked only by posting to it
            slack  slack    C1             failing: Slack refused the token: invalid_auth

            """.ReplaceLineEndings("\n"),
            cli.Out.ToString());
    }

    [Fact]
    public async Task ChannelsTest_SendsToTheThreadGiven_AndExits1_WhenNotDelivered()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Json("""{"channel": "slack", "delivered": false, "remoteId": null, "error": "Slack refused the message: not_in_channel"}"""));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("channels", "test", "slack", "--thread", "C7:17.5");

        Assert.Equal(1, exitCode);
        Assert.Equal(("POST", "/api/channels/slack/test?thread=C7%3A17.5"), (daemon.Requests[0].Method, daemon.Requests[0].PathAndQuery));
        Assert.Equal("Not delivered through slack: Slack refused the message: not_in_channel\n", cli.Out.ToString());
    }

    [Fact]
    public void Delivery_InRunsShow_SaysWhereHowOftenAndWhatHappened()
    {
        var time = new TimeText(T.I("2026-11-22T07:40:00Z"), T.Berlin);
        var delivered = new DeliveryView("d_1", "r_1", "t_1", "slack:C1", "result", "delivered", 1, null, 2, "1700.1", null, null, T.I("2026-11-22T07:32:06Z"), T.I("2026-11-22T07:32:07Z"));
        var waiting = delivered with { Target = "hook", Status = "pending", Attempts = 2, NextAttemptAt = T.I("2026-11-22T07:41:00Z"), LastError = "the webhook answered 502", RemoteId = null };

        Assert.Equal("slack:C1 (result): delivered after 1 try, message 1700.1", RunText.Delivery(delivered, time));
        Assert.Equal("hook (result): pending, 2 tries so far, next in 1 min: the webhook answered 502", RunText.Delivery(waiting, time));
    }
}
