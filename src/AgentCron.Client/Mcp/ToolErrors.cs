using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentCron.Client.Mcp;

/// <summary>
/// The call-tool filter of both MCP servers (<c>agentcron mcp</c> and <c>POST /mcp</c>): a tool call that fails — the
/// daemon refused it, an argument is missing or of the wrong type, the tool does not exist — comes back to the agent as
/// a tool error with the reason, and leaves one line in the log. The SDK would log each one as an unhandled exception
/// with its stack trace, and an agent may call as often as it likes. Only an error of our own keeps its stack trace.
/// </summary>
public static class ToolErrors
{
    private const int MaxReasonLength = 500;

    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Filter(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (request, cancellationToken) =>
        {
            try
            {
                return await next(request, cancellationToken);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                var tool = request.Params?.Name ?? "";
                var logger = request.Services?.GetService<ILoggerFactory>()?.CreateLogger(typeof(ToolErrors)) ?? NullLogger.Instance;
                var refused = ex is McpException or ArgumentException or JsonException;
                if (refused)
                {
                    logger.LogWarning("MCP tool call {Tool} failed: {Reason}", OneLine(tool), OneLine(ex.Message));
                }
                else
                {
                    logger.LogError(ex, "MCP tool call {Tool} failed unexpectedly", OneLine(tool));
                }

                return new CallToolResult
                {
                    IsError = true,
                    Content = [new TextContentBlock { Text = refused ? ex.Message : $"{tool} failed; the reason is in the log of the AgentCron MCP server" }],
                };
            }
        };

    /// <summary>An agent's text on one log line, cut short: newlines would let it forge lines of its own.</summary>
    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= MaxReasonLength ? line : string.Concat(line.AsSpan(0, MaxReasonLength), "…");
    }
}
