namespace AgentCron.Server.Api;

/// <summary>The page at <c>/</c> until the web UI exists: where the API is and how to use the CLI. It shows no data, so it needs no token.</summary>
internal static class StartPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>AgentCron</title>
        <style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;line-height:1.5;padding:0 1rem}code,pre{background:#f3f3f3;padding:.1rem .3rem;border-radius:4px}</style>
        </head><body>
        <h1>AgentCron</h1>
        <p>The daemon is running. The web UI is a later milestone; today you use the CLI or the HTTP API.</p>
        <pre>agentcron task create --in 20m --command "echo hello" --prompt "say hello"
        agentcron task list
        agentcron runs list
        agentcron runs log RUN_ID --follow</pre>
        <p>API: <code>/api</code> with <code>Authorization: Bearer TOKEN</code> (token in <code>$AGENTCRON_HOME/token</code>);
        health: <a href="/api/health">/api/health</a>; OpenAPI: <code>/openapi/v1.json</code>.</p>
        </body></html>
        """;
}
