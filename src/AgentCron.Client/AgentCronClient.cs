using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace AgentCron.Client;

/// <summary>A response body both as the typed view and as the JSON the daemon sent (for <c>--json</c>).</summary>
public sealed record ApiResult<T>(T Value, JsonElement Json);

/// <summary>
/// The daemon's HTTP API as the CLI uses it. Error statuses become <see cref="ApiException"/>; a daemon that does
/// not answer becomes <see cref="DaemonUnreachableException"/>.
/// </summary>
public sealed class AgentCronClient : IDisposable
{
    /// <summary>How long an ordinary request may take; streams are not limited.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    public AgentCronClient(Endpoint endpoint, TimeProvider time, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        _time = time;
        handler ??= new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        _http = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = endpoint.BaseUrl,
            Timeout = Timeout.InfiniteTimeSpan, // per request below, so that log streams can stay open
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("agentcron-cli", "1"));
        if (endpoint.Token is { } token)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Endpoint Endpoint { get; }

    /// <summary>
    /// Sends a request and reads a JSON body. <paramref name="path"/> is relative to the base URL
    /// (<c>api/tasks?limit=10</c>); <paramref name="body"/>, when not null, is sent as JSON; <paramref name="notFound"/>
    /// is the message for a 404, such as <c>task 'x' does not exist</c>.
    /// </summary>
    public async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, object? body, string? notFound, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await SendCoreAsync(method, path, body, HttpCompletionOption.ResponseContentRead, notFound, linked.Token);
            var json = await response.Content.ReadFromJsonAsync<JsonElement>(Json.Options, linked.Token);
            var value = json.Deserialize<T>(Json.Options)
                ?? throw new CommandFailedException($"the daemon sent an empty answer to {method} /{path}");
            return new ApiResult<T>(value, json);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new DaemonUnreachableException(Endpoint, $"no answer within {RequestTimeout.TotalSeconds:0} s", e);
        }
        catch (JsonException e)
        {
            throw new CommandFailedException($"the daemon's answer to {method} /{path} is not the expected JSON: {e.Message}");
        }
    }

    /// <summary>Sends a request whose success has no body (204).</summary>
    public async Task SendAsync(HttpMethod method, string path, string? notFound, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await SendCoreAsync(method, path, null, HttpCompletionOption.ResponseContentRead, notFound, linked.Token);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new DaemonUnreachableException(Endpoint, $"no answer within {RequestTimeout.TotalSeconds:0} s", e);
        }
    }

    /// <summary>Reads a Server-Sent Events stream until the daemon closes it.</summary>
    public async IAsyncEnumerable<SseItem<string>> StreamAsync(string path, string? notFound, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(HttpMethod.Get, path, null, HttpCompletionOption.ResponseHeadersRead, notFound, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
            yield return item;
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendCoreAsync(
        HttpMethod method, string path, object? body, HttpCompletionOption completion, string? notFound, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
            request.Content = JsonContent.Create(body, body.GetType(), options: Json.Options);

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException e) when (DaemonUnreachableException.ReasonFor(e) is { } reason)
        {
            throw new DaemonUnreachableException(Endpoint, reason, e);
        }

        if (response.IsSuccessStatusCode)
            return response;

        using (response)
        {
            var problem = await ReadProblemAsync(response, cancellationToken);
            throw new ApiException((int)response.StatusCode, problem, notFound, Endpoint);
        }
    }

    private static async Task<ApiProblem?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text))
            return new ApiProblem(null, response.ReasonPhrase, (int)response.StatusCode, null, null);
        try
        {
            return JsonSerializer.Deserialize<ApiProblem>(text, Json.Options);
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's HTML page, say): show its first line.
            var firstLine = text.Split('\n', 2)[0].Trim();
            return new ApiProblem(null, response.ReasonPhrase, (int)response.StatusCode,
                firstLine.Length > 200 ? firstLine[..200] + "…" : firstLine, null);
        }
    }

    /// <summary>Escapes one path segment (an id or slug).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>Builds a query string from the given pairs, leaving out null values.</summary>
    public static string Query(params (string Name, string? Value)[] pairs)
    {
        var parts = pairs.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}
