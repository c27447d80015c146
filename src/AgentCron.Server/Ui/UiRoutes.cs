using AgentCron.Core;
using AgentCron.Core.Contracts;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Tasks;
using AgentCron.Core.Time;
using AgentCron.Core.Triggers;
using AgentCron.Server.Api;
using AgentCron.Server.Ui.Components;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentCron.Server.Ui;

/// <summary>
/// The web UI: pages rendered on the server (Razor components, static SSR), forms that post back with anti-forgery
/// tokens, and a little script that only enhances. Everything but the sign-in page and the two assets needs the session
/// cookie; the pages use the same services as the API (<see cref="TaskService"/>, the store), so validation and queries
/// exist once.
/// </summary>
public static class UiRoutes
{
    /// <summary>Fixed texts for what the last action did (<c>?done=</c>): a query parameter never becomes page text.</summary>
    private static readonly Dictionary<string, string> Done = new(StringComparer.Ordinal)
    {
        ["saved"] = "Saved.",
        ["unchanged"] = "Nothing changed.",
        ["paused"] = "Paused.",
        ["resumed"] = "Resumed.",
        ["queued"] = "A run is queued.",
        ["cancelling"] = "Cancelling the run.",
        ["deleted"] = "The task was deleted.",
        ["created"] = "Task created.",
    };

    public static IEndpointRouteBuilder MapAgentCronUi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/sign-in", SignIn).ExcludeFromDescription().WithMetadata(new UiOpen());
        app.MapGet("/ui/app.css", () => UiAssets.Css()).ExcludeFromDescription().WithMetadata(new UiOpen());
        app.MapGet("/ui/app.js", () => UiAssets.Js()).ExcludeFromDescription().WithMetadata(new UiOpen());

        var ui = app.MapGroup("").AddEndpointFilter(ShowRefusalsAsync).ExcludeFromDescription().WithMetadata(new UiPage());
        ui.MapPost("/sign-out", SignOut);
        ui.MapGet("/", TasksAsync);
        ui.MapGet("/upcoming", UpcomingAsync);
        ui.MapGet("/system", SystemAsync);
        ui.MapGet("/tasks/new", NewTaskForm);
        ui.MapPost("/tasks/new", CreateAsync);
        ui.MapGet("/tasks/new/preview", PreviewJson);
        ui.MapGet("/tasks/{id}", TaskAsync);
        ui.MapPost("/tasks/{id}/edit", EditAsync);
        foreach (var action in new[] { "pause", "resume", "run" })
        {
            ui.MapPost($"/tasks/{{id}}/{action}", (string id, IFormCollection posted, TaskService service, CancellationToken cancellationToken) => ActAsync(id, action, posted, service, cancellationToken));
        }

        ui.MapGet("/tasks/{id}/delete", ConfirmDeleteAsync);
        ui.MapPost("/tasks/{id}/delete", DeleteAsync);
        ui.MapGet("/runs/{id}", RunAsync);
        ui.MapPost("/runs/{id}/cancel", CancelRunAsync);
        ui.MapGet("/runs/{id}/log/stream", RunsApi.StreamAsync);
        return app;
    }

    /// <summary>Marks the UI's pages, which answer a missing session with the sign-in page instead of the API's 401.</summary>
    public sealed class UiPage;

    /// <summary>Marks what the UI serves without a session: the sign-in page and the assets.</summary>
    public sealed class UiOpen;

    /// <summary>
    /// What every UI response tells the browser, in case something ever slipped past the sanitizer or Razor's encoding:
    /// scripts, styles and everything else only from the daemon itself (no inline script can run), no plugins, no
    /// framing, no base-URL tricks, no guessed content types, no referrer to other sites.
    /// </summary>
    private static readonly KeyValuePair<string, string>[] SecurityHeaders =
    [
        new("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
        new("X-Content-Type-Options", "nosniff"),
        new("Referrer-Policy", "same-origin"),
    ];

    /// <summary>
    /// Middleware, before anti-forgery and form binding: a UI page without a session is the sign-in page (GET) or 401,
    /// whatever else is wrong with the request.
    /// </summary>
    public static IApplicationBuilder UseUiSessions(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var metadata = http.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<UiPage>() is not null || metadata?.GetMetadata<UiOpen>() is not null)
        {
            foreach (var (name, value) in SecurityHeaders)
            {
                http.Response.Headers[name] = value;
            }
        }

        if (metadata?.GetMetadata<UiPage>() is null || http.RequestServices.GetRequiredService<UiSessions>().IsSignedIn(http.Request.Cookies[UiSessions.Cookie]))
        {
            await next(http);
            return;
        }

        await (HttpMethods.IsGet(http.Request.Method)
            ? TypedResults.Redirect("/sign-in")
            : (IResult)TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "sign in to the web UI first (agentcron ui prints a link)")).ExecuteAsync(http);
    });

    /// <summary>A signed-in page whose action the services refuse shows why, as a page.</summary>
    private static async ValueTask<object?> ShowRefusalsAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        {
            try
            {
                return await next(context);
            }
            catch (NotFoundException ex)
            {
                return Page<MessagePage>(new { Title = "Not found", Text = ex.Message }, StatusCodes.Status404NotFound);
            }
            catch (ConflictException ex)
            {
                return Page<MessagePage>(new { Title = "Not possible now", Text = ex.Message }, StatusCodes.Status409Conflict);
            }
            catch (InvalidFieldException ex)
            {
                return Page<MessagePage>(new { Title = "Not valid", Text = ex.Message }, StatusCodes.Status400BadRequest);
            }
        }
    }

    private static IResult SignIn(HttpContext http, UiSessions sessions, string? code)
    {
        if (code is null)
        {
            return Page<SignInPage>(new { Refused = false });
        }

        if (sessions.Redeem(code) is not { } session)
        {
            return Page<SignInPage>(new { Refused = true }, StatusCodes.Status401Unauthorized);
        }

        http.Response.Cookies.Append(UiSessions.Cookie, session, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/",
            MaxAge = UiSessions.SessionLifetime,
        });
        return TypedResults.Redirect("/");
    }

    private static RedirectHttpResult SignOut(HttpContext http, UiSessions sessions, IFormCollection form)
    {
        sessions.SignOut(http.Request.Cookies[UiSessions.Cookie]);
        http.Response.Cookies.Delete(UiSessions.Cookie);
        return TypedResults.Redirect("/sign-in");
    }

    private static async Task<IResult> TasksAsync(IAgentCronStore store, RunnerRegistry runners, string? q, string? status, string? agent, string? thread, string? done, CancellationToken cancellationToken)
    {
        // The API's query (GET /api/tasks takes the same filters), page after page.
        var tasks = new List<TaskView>();
        string? cursor = null;
        do
        {
            var page = await store.Tasks.ListAsync(Query.Tasks(runners, status, agent, thread, q, cursor, Query.MaxLimit), cancellationToken);
            tasks.AddRange(page.Items.Select(TaskView.From));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return Page<TasksPage>(new { Tasks = tasks, Agents = runners.Providers, Q = q, Status = status, Agent = agent, Thread = thread, Notice = Notice(done) });
    }

    private static async Task<IResult> UpcomingAsync(IAgentCronStore store, TimeProvider time, string? days, CancellationToken cancellationToken)
    {
        var horizon = days == "7" ? 7 : 1;
        var (items, truncated) = await Upcoming.ListAsync(store, time.GetUtcNow(), TimeSpan.FromDays(horizon), cancellationToken);
        return Page<UpcomingPage>(new { Items = items, Days = horizon, Truncated = truncated });
    }

    private static async Task<IResult> SystemAsync(IAgentCronStore store, Scheduler scheduler, TimeProvider time, IEnumerable<IAgentRunner> runners, RunnerRegistry registry, CancellationToken cancellationToken) =>
        Page<SystemPage>(new
        {
            Nodes = await NodesApi.ViewsAsync(store, scheduler, time, cancellationToken),
            Agents = await AgentsApi.DescribeAsync(runners, registry, cancellationToken),
        });

    private static RazorComponentResult<NewTaskPage> NewTaskForm(RunnerRegistry runners) =>
        Page<NewTaskPage>(new { Form = new TaskForm(), Agents = runners.Providers });

    /// <summary>Preview (the next occurrences and the CLI line) or create, from the same posted form.</summary>
    private static async Task<IResult> CreateAsync(IFormCollection posted, TaskService service, TaskDefaults defaults, RunnerRegistry runners, TimeProvider time, CancellationToken cancellationToken)
    {
        var (preset, at, window) = (posted["preset"].ToString(), posted["time"].ToString(), posted["window"].ToString());
        var parameters = new Dictionary<string, object?> { ["Preset"] = preset, ["Time"] = at, ["Window"] = window, ["Agents"] = runners.Providers };
        var form = TaskForm.From(posted);
        try
        {
            form = NewTask.Apply(form, preset, at, window);
            Preview(form, defaults, time, parameters);
            if (posted["action"] != "preview")
            {
                var (task, _) = await service.CreateAsync(form.ToCreate(), cancellationToken);
                return TypedResults.Redirect($"/tasks/{task.Id}?done=created");
            }
        }
        catch (InvalidFieldException ex)
        {
            parameters["Errors"] = new Dictionary<string, string> { [TaskForm.FieldOf(ex.Field)] = ex.Reason };
        }

        parameters["Form"] = form;
        return Page<NewTaskPage>(parameters, parameters.ContainsKey("Errors") ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    /// <summary>The next occurrences of the form's trigger, for app.js to show as the fields change.</summary>
    private static IResult PreviewJson(HttpRequest request, TaskDefaults defaults, TimeProvider time)
    {
        var query = request.Query;
        var parameters = new Dictionary<string, object?>();
        try
        {
            var form = NewTask.Apply(
                new TaskForm { TriggerKind = query["triggerKind"].ToString() is { Length: > 0 } k ? k : "manual", Expression = query["expression"].ToString(), Tz = query["tz"].ToString() },
                query["preset"].ToString(),
                query["time"].ToString(),
                query["window"].ToString());
            Preview(form, defaults, time, parameters);
            var zone = (TimeZoneInfo)parameters["Zone"]!;
            var occurrences = (IReadOnlyList<DateTimeOffset>)parameters["Occurrences"]!;
            return TypedResults.Json(new
            {
                description = parameters["Description"],
                occurrences = occurrences.Select(o => new { at = o, local = $"{TimeZoneInfo.ConvertTime(o, zone):yyyy-MM-dd HH:mm zzz} {zone.Id}" }),
                kind = form.TriggerKind,
                expression = form.Expression,
            });
        }
        catch (InvalidFieldException ex)
        {
            return TypedResults.Json(new { error = ex.Message });
        }
    }

    /// <summary>Adds the form trigger's next ten occurrences, its description, zone and the CLI line to <paramref name="parameters"/>.</summary>
    private static void Preview(TaskForm form, TaskDefaults defaults, TimeProvider time, Dictionary<string, object?> parameters)
    {
        var now = time.GetUtcNow();
        var zone = TimeZones.Resolve(string.IsNullOrWhiteSpace(form.Tz) ? null : form.Tz.Trim(), defaults.TimeZone, "tz");
        parameters["Zone"] = zone;
        parameters["CliLine"] = NewTask.CliLine(form);
        if (form.Trigger().Resolve(now, defaults.TimeZone) is { } trigger)
        {
            parameters["Description"] = trigger.Describe();
            parameters["Occurrences"] = Trigger.Preview(trigger, now, 10);
        }
        else
        {
            parameters["PreviewError"] = "Manual only: it runs when you say so.";
        }
    }

    private static async Task<IResult> TaskAsync(string id, TaskService service, IAgentCronStore store, RunnerRegistry runners, string? done, CancellationToken cancellationToken)
    {
        var task = TaskView.From(await service.GetAsync(id, cancellationToken));
        return Page<TaskPage>(await TaskParametersAsync(task, TaskForm.From(task), null, Notice(done), store, runners, cancellationToken));
    }

    /// <summary>
    /// Saves what the person changed — the posted form against the form as it was rendered — and nothing else, so a run
    /// or another edit that changed the task meanwhile is neither refused nor undone. A refusal shows the form again with
    /// the message at its field.
    /// </summary>
    private static async Task<IResult> EditAsync(string id, IFormCollection posted, TaskService service, IAgentCronStore store, RunnerRegistry runners, CancellationToken cancellationToken)
    {
        var current = TaskView.From(await service.GetAsync(id, cancellationToken));
        var form = TaskForm.From(posted);
        try
        {
            if (form.Changes(TaskForm.Deserialize(posted["original"]) ?? TaskForm.From(current)) is not { } changes)
            {
                return TypedResults.Redirect($"/tasks/{current.Id}?done=unchanged");
            }

            await service.UpdateAsync(current.Id, changes, null, cancellationToken);
            return TypedResults.Redirect($"/tasks/{current.Id}?done=saved");
        }
        catch (InvalidFieldException ex)
        {
            var errors = new Dictionary<string, string> { [TaskForm.FieldOf(ex.Field)] = ex.Reason };
            return Page<TaskPage>(await TaskParametersAsync(current, form, errors, null, store, runners, cancellationToken), StatusCodes.Status400BadRequest);
        }
        catch (ConflictException ex)
        {
            return Page<TaskPage>(await TaskParametersAsync(current, form, null, $"Not saved: {ex.Message}. The page shows the task as it is now.", store, runners, cancellationToken), StatusCodes.Status409Conflict);
        }
    }

    private static async Task<Dictionary<string, object?>> TaskParametersAsync(
        TaskView task, TaskForm form, IReadOnlyDictionary<string, string>? errors, string? notice, IAgentCronStore store, RunnerRegistry runners, CancellationToken cancellationToken)
    {
        var runs = await store.Runs.ListAsync(new RunQuery(task.Id, Limit: 50), cancellationToken);
        return new()
        {
            ["Task"] = task,
            ["Runs"] = await RunViews.ManyAsync(runs.Items, store.Tasks, cancellationToken),
            ["Form"] = form,
            ["Errors"] = errors,
            ["Agents"] = runners.Providers,
            ["Notice"] = notice,
        };
    }

    private static async Task<IResult> ActAsync(string id, string action, IFormCollection posted, TaskService service, CancellationToken cancellationToken)
    {
        var task = action switch
        {
            "pause" => await service.PauseAsync(id, cancellationToken),
            "resume" => await service.ResumeAsync(id, cancellationToken),
            _ => await service.GetAsync(id, cancellationToken),
        };
        if (action == "run")
        {
            await service.RunNowAsync(task.Id, cancellationToken);
        }

        var done = action switch { "pause" => "paused", "resume" => "resumed", _ => "queued" };
        // Back to the list when the toggle there was used, else to the task.
        return TypedResults.Redirect(posted["back"] == "/" ? $"/?done={done}" : $"/tasks/{task.Id}?done={done}");
    }

    private static async Task<IResult> ConfirmDeleteAsync(string id, TaskService service, IAgentCronStore store, CancellationToken cancellationToken)
    {
        var task = await service.GetAsync(id, cancellationToken);
        var runs = await store.Runs.ListAsync(new RunQuery(task.Id, Limit: 1000), cancellationToken);
        return Page<DeletePage>(new { Task = TaskView.From(task), RunCount = runs.Items.Count });
    }

    private static async Task<IResult> DeleteAsync(string id, IFormCollection posted, TaskService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(id, cancellationToken);
        return TypedResults.Redirect("/?done=deleted");
    }

    private static async Task<IResult> RunAsync(string id, TaskService service, IAgentCronStore store, string? done, CancellationToken cancellationToken)
    {
        var run = await service.GetRunAsync(id, cancellationToken);
        var log = await store.Logs.ReadAsync(run.Id, 0, 5000, cancellationToken);
        return Page<RunPage>(new
        {
            Run = await RunViews.WithDeliveriesAsync(run, store, cancellationToken),
            Log = log.Select(LogEntryView.From).ToList(),
            Notice = Notice(done),
        });
    }

    private static async Task<IResult> CancelRunAsync(string id, IFormCollection posted, TaskService service, CancellationToken cancellationToken)
    {
        var run = await service.CancelRunAsync(id, cancellationToken);
        return TypedResults.Redirect($"/runs/{run.Id}?done=cancelling");
    }

    private static string? Notice(string? done) => done is not null && Done.TryGetValue(done, out var text) ? text : null;

    private static RazorComponentResult<TPage> Page<TPage>(object parameters, int status = StatusCodes.Status200OK)
        where TPage : Microsoft.AspNetCore.Components.IComponent => new(parameters) { StatusCode = status };
}
