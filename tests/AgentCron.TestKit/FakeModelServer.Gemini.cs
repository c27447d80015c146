using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentCron.TestKit;

/// <summary>
/// The Gemini API for the Gemini CLI: <c>POST /v1beta/models/MODEL:generateContent</c> (one JSON answer) and
/// <c>:streamGenerateContent?alt=sse</c> (server-sent events, the text word by word so a reader sees real deltas).
/// A tool call is a <c>functionCall</c> part; errors have Google's shape <c>{"error":{"code","message","status"}}</c>.
/// </summary>
public sealed partial class FakeModelServer
{
    private const int GeminiPromptTokens = 21;
    private const int GeminiCandidateTokens = 7;

    partial void MapGemini(WebApplication app) => app.MapPost("/v1beta/models/{call}", GeminiAsync);

    private async Task GeminiAsync(HttpContext http, string call)
    {
        var (_, reply) = await ReceiveAsync(http);
        if (await FailAsync(http, reply, error => new { error = new { code = error.Status, message = error.Message, status = GoogleStatus(error.Status) } }))
        {
            return;
        }

        // The model is in the path ("gemini-2.5-flash:streamGenerateContent"), not in the body.
        var separator = call.LastIndexOf(':');
        var (model, method) = separator < 0 ? (call, "") : (call[..separator], call[(separator + 1)..]);
        object Response(object[] parts) => new
        {
            candidates = new[] { new { content = new { role = "model", parts }, finishReason = "STOP", index = 0 } },
            usageMetadata = new { promptTokenCount = GeminiPromptTokens, candidatesTokenCount = GeminiCandidateTokens, totalTokenCount = GeminiPromptTokens + GeminiCandidateTokens },
            modelVersion = model,
        };

        List<object[]> chunks = reply switch
        {
            FakeReply.ToolUse tool => [[new { functionCall = new { name = tool.Name, args = tool.Input } }]],
            FakeReply.Text text => WordsOf(text.Content).Select(word => new object[] { new { text = word } }).ToList(),
            _ => throw new InvalidOperationException($"unknown reply {reply}"),
        };

        if (method != "streamGenerateContent")
        {
            object[] whole = reply is FakeReply.Text answer ? [new { text = answer.Content }] : chunks[0];
            await http.Response.WriteAsJsonAsync(Response(whole));
            return;
        }

        http.Response.ContentType = "text/event-stream";
        foreach (var parts in chunks)
        {
            await EventAsync(http, null, Response(parts));
        }
    }

    /// <summary>The text in pieces that join back to it: each word with the space before it.</summary>
    private static List<string> WordsOf(string text)
    {
        var words = text.Split(' ');
        return [.. words.Select((word, i) => i == 0 ? word : " " + word)];
    }

    private static string GoogleStatus(int status) => status switch
    {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        _ => "INTERNAL",
    };

    /// <summary>
    /// The variables that point the Gemini CLI at this server with a fake key, and its temp files (error reports,
    /// gemini-client-error-*.json) into <paramref name="home"/> with the test's other files.
    /// </summary>
    public IReadOnlyDictionary<string, string> GeminiEnvironment(string home) => new Dictionary<string, string>
    {
        ["GOOGLE_GEMINI_BASE_URL"] = BaseUrl,
        ["GEMINI_API_KEY"] = "fake-key",
        ["TMPDIR"] = home,
    };

    /// <summary>
    /// Writes <c>$HOME/.gemini/settings.json</c> for a Gemini CLI run against this server: API-key auth (the CLI
    /// refuses to start without a selected auth type), one attempt per request (its default is up to 10 with growing
    /// delays; a test wants the first answer) and no usage statistics. The environment still needs
    /// <see cref="GeminiEnvironment"/>.
    /// </summary>
    public static void WriteGeminiSettings(string home)
    {
        var directory = Path.Combine(home, ".gemini");
        Directory.CreateDirectory(directory);
        var settings = new
        {
            security = new { auth = new { selectedType = "gemini-api-key" } },
            general = new { maxAttempts = 1 },
            privacy = new { usageStatisticsEnabled = false },
        };
        File.WriteAllText(Path.Combine(directory, "settings.json"), JsonSerializer.Serialize(settings));
    }
}
