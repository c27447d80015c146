namespace AgentCron.Agents.OpenAi;

/// <summary>
/// The OpenAI-compatible endpoint runner's settings (configuration section <c>Agents:OpenAi</c>). One endpoint per
/// daemon: OpenAI itself, or any server that speaks Chat Completions (Ollama, vLLM, LM Studio, a gateway).
/// </summary>
public sealed record OpenAiOptions
{
    /// <summary>The API's base URL, up to and including the version (<c>…/v1</c>); <c>/chat/completions</c> is added to it.</summary>
    public string BaseUrl { get; init; } = "https://api.openai.com/v1";

    /// <summary>
    /// The name of the environment variable that holds the API key (the key itself never goes into configuration). When
    /// it is unset a local server is sent a placeholder key, since such servers need none; OpenAI itself then refuses to run.
    /// </summary>
    public string ApiKeyVariable { get; init; } = "OPENAI_API_KEY";

    /// <summary>The model for tasks that name none in <c>agent.model</c>; with neither, such tasks are rejected.</summary>
    public string? Model { get; init; }

    /// <summary>Sampling temperature sent with every request; null leaves it to the endpoint.</summary>
    public float? Temperature { get; init; }

    /// <summary>
    /// The longest wait for one network operation — the answer to start, or the next streamed chunk; an endpoint that
    /// stalls longer fails the run. Null sets no limit of the runner's own: the task's timeout still ends the run.
    /// </summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>
    /// Where conversations are kept (one JSON file per session), since the endpoint keeps none. The daemon sets it to a
    /// folder in its data directory; it is created on first use.
    /// </summary>
    public string SessionsDirectory { get; init; } = "";
}
