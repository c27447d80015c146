using AgentCron.Core;
using AgentCron.Core.Contracts;
using AgentCron.Core.Tasks;
using AgentCron.Core.Time;
using AgentCron.Core.Triggers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentCron.Server.Api;

public static class PreviewApi
{
    public static RouteGroupBuilder MapPreviewApi(this RouteGroupBuilder api)
    {
        api.MapGet("/preview", Preview).WithTags("Preview")
            .WithSummary("The next occurrences of a trigger (give one of at, in, every, cron, window; tz for cron/window), after 'from' (default now).")
            .AllowRunToken();
        return api;
    }

    private static Ok<PreviewView> Preview(TaskDefaults defaults, TimeProvider time, string? at, string? @in, string? every, string? cron, string? window, string? tz, string? from, string? count)
    {
        var now = time.GetUtcNow();
        var zone = TimeZones.Resolve(tz, defaults.TimeZone, "tz");
        var trigger = new TriggerInput(at, @in, every, cron, window, tz).Resolve(now, defaults.TimeZone)
            ?? throw new InvalidFieldException("trigger", "give one of at, in, every, cron, window");
        var start = from is null ? now : Instants.Parse(from, now, zone, "from");
        var occurrences = Trigger.Preview(trigger, start, (int)(Query.Number(count, "count", 1, Trigger.MaxPreview) ?? 10));
        return TypedResults.Ok(new PreviewView(TriggerView.From(trigger), occurrences));
    }
}
