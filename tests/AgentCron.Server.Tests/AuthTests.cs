using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentCron.Core.Contracts;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

public class AuthTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private ApiClient Api => fixture.Api;

    [Fact]
    public async Task CreateTask_CreatesNothing_WhenTokenIsWrong()
    {
        var slug = "unauth-" + Guid.NewGuid().ToString("N")[..12];
        using (var response = await Api.SendAsync(HttpMethod.Post, "/api/tasks", ApiClient.Json(new { instructions = "x", slug, agent = new { command = "echo" } }), token: "wrong"))
        {
            await AssertUnauthorizedAsync(response);
        }

        using var lookup = await Api.SendAsync(HttpMethod.Get, $"/api/tasks/{slug}");
        await ApiClient.AssertStatusAsync(HttpStatusCode.NotFound, lookup);
    }

    [Fact]
    public async Task Health_Returns200_WithoutToken()
    {
        using var response = await Api.SendAsync(HttpMethod.Get, "/api/health", token: "");

        await ApiClient.AssertStatusAsync(HttpStatusCode.OK, response);
        var health = await ApiClient.ReadAsync<HealthView>(response);
        Assert.Equal("ok", health.Status);
        Assert.StartsWith("sqlite:", health.Store, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApiDocument_IsJsonWithTasksPath_WhenTokenIsGiven()
    {
        using var response = await Api.SendAsync(HttpMethod.Get, "/openapi/v1.json");

        await ApiClient.AssertStatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/tasks", out _), $"no /api/tasks in {string.Join(", ", paths.EnumerateObject().Select(p => p.Name))}");
        Assert.True(paths.TryGetProperty("/api/runs/{id}/log/stream", out _));
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response)
    {
        await ApiClient.AssertStatusAsync(HttpStatusCode.Unauthorized, response);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

public class TokenFileTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task TokenFile_IsCreatedWithMode0600AndReused_WhenDaemonRestartsOnSameHome()
    {
        using var home = new TempDirectory();
        string firstToken;
        await using (var first = await TestDaemon.StartAsync(home.Path))
        {
            firstToken = first.App.Token;
            var file = Core.AgentCronPaths.TokenFile(home.Path);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(firstToken, (await File.ReadAllTextAsync(file)).Trim());
            Assert.True(firstToken.Length >= 32);
        }

        await using var second = await TestDaemon.StartAsync(home.Path);
        Assert.Equal(firstToken, second.App.Token);
        using var api = new ApiClient(second.App.Address, firstToken);
        using var response = await api.SendAsync(HttpMethod.Get, "/api/tasks");
        await ApiClient.AssertStatusAsync(HttpStatusCode.OK, response);
    }

    [Fact]
    public async Task Token_Differs_WhenHomesDiffer()
    {
        await using var one = await TestDaemon.StartAsync();
        await using var two = await TestDaemon.StartAsync();

        Assert.NotEqual(one.App.Token, two.App.Token);
        using var api = new ApiClient(two.App.Address, one.App.Token);
        using var response = await api.SendAsync(HttpMethod.Get, "/api/tasks");
        await ApiClient.AssertStatusAsync(HttpStatusCode.Unauthorized, response);
    }
}
