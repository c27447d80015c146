using System.Net;
using AgentCron.Server.Tests.Support;
using AgentCron.Server.Ui;
using Microsoft.Extensions.DependencyInjection;

namespace AgentCron.Server.Tests;

/// <summary>
/// Every web UI page (read from the app's endpoints, so none is missed) needs the session cookie: without it a GET is
/// sent to the sign-in page and anything else is 401 — also with the daemon's or a run's bearer token, which are for the
/// API. A sign-in code works once; the cookie is HttpOnly and SameSite=Strict; a form post without the anti-forgery token
/// is refused even with the cookie.
/// </summary>
public sealed class UiAccessTests(RunTokenDaemonFixture fixture) : IClassFixture<RunTokenDaemonFixture>
{
    [Fact]
    public async Task EveryUiPage_NeedsTheSessionCookie_WhateverTokenIsSent()
    {
        var failures = new List<string>();
        var routes = MappedRoute.Of(fixture.Daemon.App).Where(r => r.Ui).ToList();
        Assert.Contains(routes, r => r.ToString() == "GET /");
        using var http = NoRedirects();
        foreach (var route in routes)
        {
            foreach (var token in new[] { null, fixture.Daemon.App.Token, fixture.RunningToken })
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path(_ => "t_missing"));
                if (token is not null)
                {
                    request.Headers.Authorization = new("Bearer", token);
                }

                if (route.Method == "POST")
                {
                    request.Content = new FormUrlEncodedContent([new("instructions", "x")]);
                }

                using var response = await http.SendAsync(request);
                var refused = route.Method == "GET"
                    ? response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString == "/sign-in"
                    : response.StatusCode == HttpStatusCode.Unauthorized;
                if (!refused)
                {
                    failures.Add($"{route} with {(token is null ? "no token" : "a token")}: {(int)response.StatusCode} {response.Headers.Location}");
                }
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task SignInCode_WorksOnce_ForAnHttpOnlyStrictCookie_AndFormsNeedTheirAntiForgeryToken()
    {
        var sessions = fixture.Daemon.App.Services.GetRequiredService<UiSessions>();
        var code = sessions.NewCode();
        using var http = NoRedirects();

        using var first = await http.GetAsync($"/sign-in?code={code}");
        using var second = await http.GetAsync($"/sign-in?code={code}");

        Assert.Equal((HttpStatusCode.Redirect, "/"), (first.StatusCode, first.Headers.Location?.OriginalString));
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);

        var session = cookie.Split(';')[0];
        using var page = new HttpRequestMessage(HttpMethod.Get, "/");
        page.Headers.Add("Cookie", session);
        using var tasks = await http.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, tasks.StatusCode);
        Assert.Contains("script-src 'self'", Assert.Single(tasks.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", Assert.Single(first.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);

        using var forged = new HttpRequestMessage(HttpMethod.Post, "/tasks/new") { Content = new FormUrlEncodedContent([new("instructions", "forged"), new("action", "create")]) };
        forged.Headers.Add("Cookie", session);
        using var refused = await http.SendAsync(forged);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.DoesNotContain("forged", await (await fixture.Daemon.Client.GetAsync("/api/tasks?limit=500")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private HttpClient NoRedirects() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = fixture.Daemon.App.Address };
}
