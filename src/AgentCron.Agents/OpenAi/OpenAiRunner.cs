using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using AgentCron.Agents.Cli;
using AgentCron.Core;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using OpenAI;
using OpenAI.Chat;

namespace AgentCron.Agents.OpenAi;

/// <summary>
/// Runs a task's instructions as one chat turn with an OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, LM Studio, …)
/// through the official OpenAI .NET library, streaming. There is no process and there are no tools: the model only
/// answers. Endpoints keep no conversations, so AgentCron does (<see cref="OpenAiSessionStore"/>): every run gets a
/// session id, and a resumed run sends the earlier messages again. The library's own retries are off — a task's
/// <c>retries</c> policy decides whether a failed attempt is tried again.
/// </summary>
public sealed class OpenAiRunner : IAgentRunner
{
    /// <summary>Sent when no key is set, for local servers that ignore it (the library requires some key).</summary>
    public const string PlaceholderKey = "agentcron-no-key";

    private const string OpenAiHost = "api.openai.com";

    /// <summary>
    /// One connection pool for every run. Connecting gets a bound of its own so that an endpoint that drops packets
    /// fails the run in seconds instead of waiting for the task's timeout; the rest is bounded by RequestTimeout.
    /// </summary>
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly OpenAiOptions _options;
    private readonly Uri _endpoint;
    private readonly OpenAiSessionStore _sessions;

    public OpenAiRunner(OpenAiOptions options)
    {
        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new InvalidFieldException("Agents:OpenAi:BaseUrl", $"'{options.BaseUrl}' is not an http or https URL, e.g. http://127.0.0.1:11434/v1 for Ollama");
        }

        if (string.IsNullOrWhiteSpace(options.SessionsDirectory))
        {
            throw new InvalidFieldException("Agents:OpenAi:SessionsDirectory", "is required: the folder where the runner keeps conversations");
        }

        _options = options;
        _endpoint = endpoint;
        _sessions = new OpenAiSessionStore(options.SessionsDirectory);
    }

    public string Provider => "openai";

    public IReadOnlyList<string> Aliases => [];

    private string BaseUrl => _options.BaseUrl;

    /// <summary>OpenAI itself always needs a key; other endpoints (local servers) may need none.</summary>
    private bool NeedsKey => _endpoint.Host.Equals(OpenAiHost, StringComparison.OrdinalIgnoreCase);

    private string? ApiKey =>
        string.IsNullOrEmpty(_options.ApiKeyVariable) ? null : Environment.GetEnvironmentVariable(_options.ApiKeyVariable) is { Length: > 0 } key ? key : null;

    private string NoKey => $"the API key variable {_options.ApiKeyVariable} is not set in the daemon's environment; {BaseUrl} needs a key";

    private string NoModel => $"is required for the {Provider} agent: Agents:OpenAi:Model sets no default model, so name one in agent.model (CLI: --model)";

    public void Validate(AgentSelection agent)
    {
        if (agent.Command is not null)
        {
            throw new InvalidFieldException("agent.command", $"is only for the command agent; the {Provider} agent sends the task's instructions to the model (agent.model)");
        }

        if (agent.Permissions is AgentPermissions.Edit or AgentPermissions.Full)
        {
            throw new InvalidFieldException("agent.permissions", $"the {Provider} agent only chats: it has no tools to edit files or run commands, so only read_only applies");
        }

        if (ModelOf(agent) is null)
        {
            throw new InvalidFieldException("agent.model", NoModel);
        }
    }

    public string? Unavailable() => ApiKey is null && NeedsKey ? $"the openai agent cannot run here: {NoKey}" : null;

    public Task<AgentInfo> DescribeAsync(CancellationToken cancellationToken)
    {
        var key = ApiKey is null ? $"{_options.ApiKeyVariable} is not set, a placeholder key is sent" : $"key from {_options.ApiKeyVariable}";
        var model = string.IsNullOrWhiteSpace(_options.Model) ? "no default model (tasks name agent.model)" : $"default model {_options.Model}";
        var note = ApiKey is null && NeedsKey ? $"chat completions at {BaseUrl}: {NoKey}" : $"chat completions at {BaseUrl}, {model}, {key}";
        return Task.FromResult(new AgentInfo(ApiKey is not null || !NeedsKey, BaseUrl, null, note));
    }

    public async Task<RunnerResult> RunAsync(RunRequest request, IRunLogWriter log, CancellationToken cancellationToken)
    {
        if (ModelOf(request.Task.Agent) is not { } model)
        {
            return Failure($"agent.model {NoModel}");
        }

        if (ApiKey is null && NeedsKey)
        {
            return Failure(NoKey);
        }

        var (sessionId, history, problem) = await ConversationAsync(request.ResumeSessionId, log, cancellationToken);
        if (problem is not null)
        {
            return Failure(problem);
        }

        log.Write("agent.session", new { sessionId, model, endpoint = BaseUrl, resumed = request.ResumeSessionId == sessionId, earlierMessages = history.Count });
        var turn = await ChatAsync(model, [.. history.Select(ToChat), new UserChatMessage(request.Task.Instructions)], cancellationToken);
        if (turn.Error is { } error)
        {
            return Failure(error);
        }

        if (turn.Text.Length > 0 || turn.Refusal is null)
        {
            log.Write("assistant.text", new { text = turn.Text });
        }

        if (turn.Refusal is { } refusal)
        {
            log.Write("assistant.refusal", new { text = refusal });
        }

        var usage = turn.Usage is { } tokens ? new RunUsage(tokens.InputTokenCount, tokens.OutputTokenCount, null) : null;
        log.Write("agent.result", new
        {
            model = turn.Model,
            finishReason = turn.FinishReason is { } finish ? EnumText.ToText(finish) : null,
            inputTokens = usage?.InputTokens,
            outputTokens = usage?.OutputTokens,
        });

        if (turn.Refusal is not null && turn.Text.Length == 0)
        {
            return new RunnerResult(false, null, null, $"the model refused: {turn.Refusal}", null, turn.Model, usage);
        }

        try
        {
            // The turn is over, so the conversation is saved even if a stop arrives now: the run reports success only
            // once a later run can resume it.
            await _sessions.SaveAsync(sessionId, turn.Model ?? model, [.. history, new("user", request.Task.Instructions), new("assistant", turn.Text)], CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new RunnerResult(false, null, turn.Text, $"the answer came, but the conversation could not be saved in {_sessions.Directory}: {ex.Message}", null, turn.Model, usage);
        }

        return new RunnerResult(true, null, turn.Text, null, sessionId, turn.Model, usage);
    }

    private string? ModelOf(AgentSelection agent) =>
        !string.IsNullOrWhiteSpace(agent.Model) ? agent.Model : !string.IsNullOrWhiteSpace(_options.Model) ? _options.Model : null;

    /// <summary>
    /// The session this turn belongs to and its earlier messages. A session whose file is gone starts a new conversation
    /// (with a warning): nothing could bring it back, and failing would leave the thread failing forever. A file that
    /// is there but unreadable fails the run instead, since the conversation may still be repaired.
    /// </summary>
    private async Task<(string SessionId, IReadOnlyList<OpenAiMessage> History, string? Problem)> ConversationAsync(string? resume, IRunLogWriter log, CancellationToken cancellationToken)
    {
        if (resume is null)
        {
            return (OpenAiSessionStore.NewId(), [], null);
        }

        if (!OpenAiSessionStore.IsValidId(resume))
        {
            return ("", [], $"'{resume}' is not a session of the {Provider} agent (expected oai_ and 24 hex digits)");
        }

        try
        {
            if (await _sessions.LoadAsync(resume, cancellationToken) is { } history)
            {
                return (resume, history, null);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return (resume, [], $"cannot resume session {resume}: {ex.Message}; delete {_sessions.PathOf(resume)} to start a new conversation");
        }

        var fresh = OpenAiSessionStore.NewId();
        log.Write("agent.warning", new { message = $"session {resume} is gone ({_sessions.PathOf(resume)} does not exist); starting a new conversation, {fresh}" });
        return (fresh, [], null);
    }

    /// <summary>Streams one chat completion; an endpoint that fails or cannot be reached gives an error in its own words.</summary>
    private async Task<Turn> ChatAsync(string model, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        var client = new ChatClient(model, new ApiKeyCredential(ApiKey ?? PlaceholderKey), new OpenAIClientOptions
        {
            Endpoint = _endpoint,
            Transport = new HttpClientPipelineTransport(Http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = _options.RequestTimeout ?? Timeout.InfiniteTimeSpan,
        });
        var text = new StringBuilder();
        var refusal = new StringBuilder();
        string? reportedModel = null;
        ChatFinishReason? finishReason = null;
        ChatTokenUsage? usage = null;
        try
        {
            // The library asks for usage in the stream's last chunk (stream_options.include_usage) by itself.
            var updates = client.CompleteChatStreamingAsync(messages, new ChatCompletionOptions { Temperature = _options.Temperature }, cancellationToken);
            await foreach (var update in updates)
            {
                reportedModel = string.IsNullOrEmpty(update.Model) ? reportedModel : update.Model;
                foreach (var part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }

                refusal.Append(update.RefusalUpdate);
                finishReason = update.FinishReason ?? finishReason;
                usage = update.Usage ?? usage;
            }
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
        {
            // A stop that surfaces as a broken connection is still a stop.
            throw new OperationCanceledException("the run was stopped", ex, cancellationToken);
        }
        catch (ClientResultException ex) when (ex.Status > 0)
        {
            return Turn.Failed($"OpenAI endpoint {BaseUrl} answered {ex.Status}: {ServerMessage(ex)}");
        }
        catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
        {
            return Turn.Failed($"could not reach OpenAI endpoint {BaseUrl}: {(ex is ClientResultException { InnerException: { } inner } ? inner.Message : ex.Message)}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && _options.RequestTimeout is not null)
        {
            return Turn.Failed($"OpenAI endpoint {BaseUrl} stalled: nothing arrived for {_options.RequestTimeout} (Agents:OpenAi:RequestTimeout)");
        }

        return new Turn(text.ToString(), refusal.Length > 0 ? refusal.ToString() : null, reportedModel, finishReason, usage, null);
    }

    /// <summary>
    /// The endpoint's own error message: OpenAI and vLLM say <c>{"error": {"message": …}}</c> or <c>{"message": …}</c>,
    /// Ollama <c>{"error": "…"}</c>; another body is quoted as it is.
    /// </summary>
    private static string ServerMessage(ClientResultException ex)
    {
        string? body;
        try
        {
            body = ex.GetRawResponse()?.Content.ToString();
        }
        catch (InvalidOperationException)
        {
            body = null;
        }

        using var document = body is null ? null : JsonFields.ParseObject(body);
        if (document?.RootElement is { } root)
        {
            var message = JsonFields.Member(root, "error") is { } error
                ? error.ValueKind == System.Text.Json.JsonValueKind.String ? error.GetString() : JsonFields.Text(error, "message")
                : JsonFields.Text(root, "message");
            if (!string.IsNullOrWhiteSpace(message))
            {
                return message;
            }
        }

        return string.IsNullOrWhiteSpace(body) ? ex.Message : JsonFields.Shorten(body.Trim());
    }

    private static ChatMessage ToChat(OpenAiMessage message) =>
        message.Role == "assistant" ? new AssistantChatMessage(message.Content) : new UserChatMessage(message.Content);

    private static RunnerResult Failure(string error) => new(false, null, null, error);

    /// <summary>What one streamed completion produced, or why it failed.</summary>
    private sealed record Turn(string Text, string? Refusal, string? Model, ChatFinishReason? FinishReason, ChatTokenUsage? Usage, string? Error)
    {
        public static Turn Failed(string error) => new("", null, null, null, null, error);
    }
}
