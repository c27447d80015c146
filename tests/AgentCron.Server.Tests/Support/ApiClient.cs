using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentCron.Core.Contracts;
using AgentCron.Server.Api;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests.Support;

/// <summary>
/// Plain HTTP against a running daemon, with the token or a chosen one. Every response passes through a handler that
/// fails the test on a 500, so no test can pass while the daemon hides a bug behind "Internal error".
/// </summary>
public sealed class ApiClient : IDisposable
{
    private static readonly TimeSpan RunDeadline = TimeSpan.FromSeconds(20);
    private readonly HttpClient _http;

    public ApiClient(Uri address, string token)
    {
        Token = token;
        _http = new HttpClient(new No500Handler()) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Token { get; }

    /// <summary>Sends a request; <paramref name="token"/> null means "the daemon's token", empty means "no Authorization header".</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, string? token = null, string? ifMatch = null, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var request = new HttpRequestMessage(method, path);
        var bearer = token ?? Token;
        if (bearer.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return _http.SendAsync(request, completion);
    }

    public async Task<HttpResponseMessage> PostAsync(string path, object? body = null) =>
        await SendAsync(HttpMethod.Post, path, body is null ? null : Json(body));

    public static string Json(object body) => JsonSerializer.Serialize(body, ApiJson.Options);

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(ApiJson.Options))!;

    /// <summary>Asserts a status and returns the body as <typeparamref name="T"/>.</summary>
    public async Task<T> ExpectAsync<T>(HttpMethod method, string path, HttpStatusCode status, object? body = null)
    {
        using var response = await SendAsync(method, path, body is null ? null : Json(body));
        await AssertStatusAsync(status, response);
        return await ReadAsync<T>(response);
    }

    public Task<TaskView> CreateTaskAsync(object body) => ExpectAsync<TaskView>(HttpMethod.Post, "/api/tasks", HttpStatusCode.Created, body);

    /// <summary>A manual-only task running <paramref name="command"/>, with no retries unless told.</summary>
    public Task<TaskView> CreateCommandTaskAsync(string command, string? timeout = null, int retries = 0) => CreateTaskAsync(new
    {
        instructions = "the prompt",
        agent = new { command },
        policies = new { retries, timeout },
    });

    public Task<TaskView> GetTaskAsync(string id) => ExpectAsync<TaskView>(HttpMethod.Get, $"/api/tasks/{id}", HttpStatusCode.OK);

    public Task<RunView> GetRunAsync(string id) => ExpectAsync<RunView>(HttpMethod.Get, $"/api/runs/{id}", HttpStatusCode.OK);

    public Task<RunView> RunNowAsync(string taskId) => ExpectAsync<RunView>(HttpMethod.Post, $"/api/tasks/{taskId}/run", HttpStatusCode.Accepted);

    public Task<RunView> WaitForRunAsync(string runId, string status) =>
        Eventually.GetAsync(async () =>
        {
            var run = await GetRunAsync(runId);
            return run.Status == status ? run : null;
        }, RunDeadline, $"run {runId} to be {status}");

    public Task<RunView> WaitForFinishAsync(string runId) =>
        Eventually.GetAsync(async () =>
        {
            var run = await GetRunAsync(runId);
            return run.Status is "queued" or "running" ? null : run;
        }, RunDeadline, $"run {runId} to finish");

    public async Task<LogView> LogAsync(string runId) => await ExpectAsync<LogView>(HttpMethod.Get, $"/api/runs/{runId}/log", HttpStatusCode.OK);

    /// <summary>The pid of the run's agent process, from its <c>process.started</c> log entry once the log has it.</summary>
    public async Task<int> WaitForPidAsync(string runId)
    {
        var started = await Eventually.GetAsync(
            async () => (await LogAsync(runId)).Items.FirstOrDefault(e => e.Type == "process.started"),
            RunDeadline,
            $"run {runId} to log its process");
        return started.Data.GetProperty("pid").GetInt32();
    }

    /// <summary>Asserts a 400 problem document naming <paramref name="field"/> and returns the document.</summary>
    public static async Task<JsonElement> AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        await AssertStatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("field", out var named), $"the problem has no field: {problem}");
        Assert.Equal(field, named.GetString());
        return problem;
    }

    public static async Task AssertStatusAsync(HttpStatusCode expected, HttpResponseMessage response)
    {
        if (response.StatusCode != expected)
        {
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public void Dispose() => _http.Dispose();

    private sealed class No500Handler() : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if ((int)response.StatusCode >= 500)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                response.Dispose();
                Assert.Fail($"{request.Method} {request.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}: {body}");
            }

            return response;
        }
    }
}

/// <summary>One daemon shared by the tests of a class (they run one after another); each test makes its own tasks.</summary>
public sealed class DaemonFixture : IAsyncLifetime
{
    public TestDaemon Daemon { get; private set; } = null!;

    public ApiClient Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Daemon = await TestDaemon.StartAsync();
        Api = new ApiClient(Daemon.App.Address, Daemon.App.Token);
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Daemon.DisposeAsync();
    }
}
