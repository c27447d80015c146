using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentCron.Core.Contracts;
using AgentCron.Server.Api;
using AgentCron.TestKit;

namespace AgentCron.Cli.Tests.EndToEnd;

/// <summary>`agentcron mcp` as a real process, spoken to over stdio with MCP's JSON-RPC, backed by a real daemon.</summary>
public sealed class McpServerTests
{
    private const string Thread = "slack:C024BE91L:1700000000.000100";

    [Fact]
    public async Task Mcp_ListsTheToolsAndSchedulesAFollowUpOnTheCallersThread()
    {
        // Inside a run the follow-up would take the run's provider; here the daemon's default is an agent CLI.
        using var home = new TempDirectory();
        File.WriteAllText(home.File("config.yaml"), "Defaults:\n  Agent: claude\n");
        await using var daemon = await TestDaemon.StartAsync(home.Path);
        var start = AgentCronProcess.StartInfo(
            new Dictionary<string, string>
            {
                ["AGENTCRON_URL"] = daemon.App.Address.ToString().TrimEnd('/'),
                ["AGENTCRON_TOKEN"] = daemon.App.Token,
                ["AGENTCRON_THREAD"] = Thread,
            },
            ["mcp"]);
        using var mcp = Process.Start(start)!;
        try
        {
            var session = new JsonRpc(mcp);
            var initialized = await session.CallAsync("initialize", new JsonObject
            {
                ["protocolVersion"] = "2025-06-18",
                ["capabilities"] = new JsonObject(),
                ["clientInfo"] = new JsonObject { ["name"] = "test", ["version"] = "1" },
            });
            Assert.NotNull(initialized["serverInfo"]);
            await session.NotifyAsync("notifications/initialized");

            var tools = await session.CallAsync("tools/list", new JsonObject());
            Assert.Equal(
                ["cancel_task", "list_tasks", "schedule_follow_up", "show_task"],
                tools["tools"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));

            var called = await session.CallAsync("tools/call", new JsonObject
            {
                ["name"] = "schedule_follow_up",
                ["arguments"] = new JsonObject { ["prompt"] = "Check the deploy of api-7 again.", ["in"] = "1h", ["name"] = "recheck" },
            });
            Assert.StartsWith("Scheduled task recheck", called["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);

            var task = (await daemon.Client.GetFromJsonAsync<TaskView>("/api/tasks/recheck", ApiJson.Options))!;
            Assert.Equal((Thread, "at", "Check the deploy of api-7 again."), (task.Thread, task.Trigger!.Kind, task.Instructions));

            var listed = await session.CallAsync("tools/call", new JsonObject { ["name"] = "list_tasks", ["arguments"] = new JsonObject() });
            Assert.Contains("recheck", listed["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);

            // A refusal comes back as a tool error in the daemon's words, naming the field.
            var refused = await session.CallAsync("tools/call", new JsonObject
            {
                ["name"] = "schedule_follow_up",
                ["arguments"] = new JsonObject { ["prompt"] = "x", ["in"] = "soon" },
            });
            Assert.True(refused["isError"]!.GetValue<bool>());
            Assert.Contains("trigger.in", refused["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);

            // ...and leaves one line on stderr, not a stack trace (an agent may call as often as it likes).
            mcp.StandardInput.Close();
            var log = (await mcp.StandardError.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(log, l => l.Contains("MCP tool call schedule_follow_up failed: ", StringComparison.Ordinal) && l.Contains("trigger.in", StringComparison.Ordinal));
            Assert.DoesNotContain(log, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        }
        finally
        {
            mcp.Kill(entireProcessTree: true);
            await mcp.WaitForExitAsync();
        }
    }

    /// <summary>Newline-delimited JSON-RPC 2.0 over the process's stdin and stdout, as MCP's stdio transport speaks it.</summary>
    private sealed class JsonRpc(Process process)
    {
        private int _id;

        public async Task<JsonNode> CallAsync(string method, JsonObject parameters)
        {
            var id = ++_id;
            await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException($"agentcron mcp closed stdout; stderr: {await process.StandardError.ReadToEndAsync()}");
                var message = JsonNode.Parse(line)!;
                if (message["id"]?.GetValue<int>() != id)
                {
                    continue; // a notification or log message
                }

                return message["error"] is { } error ? throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}") : message["result"]!;
            }
        }

        public Task NotifyAsync(string method) => SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method });

        private async Task SendAsync(JsonObject message)
        {
            await process.StandardInput.WriteLineAsync(message.ToJsonString());
            await process.StandardInput.FlushAsync();
        }
    }
}
