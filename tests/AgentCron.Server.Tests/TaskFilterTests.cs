using System.Net;
using AgentCron.Core.Contracts;
using AgentCron.Server.Tests.Support;

namespace AgentCron.Server.Tests;

/// <summary>GET /api/tasks filtered by agent (any of its names), thread prefix and a search — the query the web UI's list uses too.</summary>
public sealed class TaskFilterTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private ApiClient Api => fixture.Api;

    [Fact]
    public async Task ListTasks_TakesAgentThreadAndSearch_AndNamesAnUnknownAgent()
    {
        var deploy = await Api.CreateTaskAsync(new { name = "Check the DEPLOY", instructions = "x", agent = new { provider = "claude" }, thread = "slack:C9:17.1" });
        var digest = await Api.CreateTaskAsync(new { name = "morning digest", instructions = "x", agent = new { command = "true" }, thread = "slack:C9" });

        async Task<string[]> Ids(string query) => [.. (await Api.ExpectAsync<PageView<TaskView>>(HttpMethod.Get, $"/api/tasks?{query}", HttpStatusCode.OK)).Items.Select(t => t.Id)];
        Assert.Equal([deploy.Id], await Ids("agent=claude"));
        Assert.Equal([deploy.Id, digest.Id], await Ids("thread=slack:C9"));
        Assert.Equal([deploy.Id], await Ids("q=deploy&thread=slack:C9"));
        Assert.Equal([digest.Id], await Ids("agent=command&q=DIGEST"));
        using var unknown = await Api.SendAsync(HttpMethod.Get, "/api/tasks?agent=nope");
        await ApiClient.AssertInvalidAsync(unknown, "agent");
    }
}
