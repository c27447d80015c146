using AgentCron.Core.Contracts;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Tasks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentCron.Server.Api;

/// <summary>The outbox (deliveries of run results and alerts) and the channels they go through.</summary>
public static class DeliveriesApi
{
    public static RouteGroupBuilder MapDeliveriesApi(this RouteGroupBuilder api)
    {
        var deliveries = api.MapGroup("/deliveries").WithTags("Deliveries");
        deliveries.MapGet("/", ListAsync).WithSummary("List deliveries, newest first, filtered by run and status (pending, delivered, dead) and paginated with a cursor.");
        deliveries.MapGet("/{id}", GetAsync).WithSummary("Show a delivery: its target, status, tries, next try, the receiver's message id and the last error.");
        deliveries.MapPost("/{id}/retry", RetryAsync).WithSummary("Try a dead (or waiting) delivery again now, its tries counted from zero. A delivered one is a conflict: it would be posted twice.");
        var channels = api.MapGroup("/channels").WithTags("Channels");
        channels.MapGet("/", ChannelsAsync).WithSummary("The configured channels; unless check=false, each asked whether its credentials work (nothing is posted).");
        channels.MapPost("/{name}/test", TestAsync).WithSummary("Send a test message through a channel now (outside the outbox), to its default place or to ?thread=PLACE[:THREAD].");
        return api;
    }

    private static async Task<Ok<PageView<DeliveryView>>> ListAsync(IAgentCronStore store, string? run, string? status, string? limit, string? cursor, CancellationToken cancellationToken)
    {
        var page = await store.Deliveries.ListAsync(
            new DeliveryQuery(string.IsNullOrEmpty(run) ? null : run, Query.Enum<DeliveryStatus>(status, "status"), Query.Cursor(cursor, "d"), Query.Limit(limit)),
            cancellationToken);
        return TypedResults.Ok(new PageView<DeliveryView>([.. page.Items.Select(DeliveryView.From)], page.NextCursor));
    }

    private static async Task<Ok<DeliveryView>> GetAsync(string id, DeliveryService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(DeliveryView.From(await service.GetAsync(id, cancellationToken)));

    private static async Task<Ok<DeliveryView>> RetryAsync(string id, DeliveryService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(DeliveryView.From(await service.RetryAsync(id, cancellationToken)));

    private static async Task<Ok<IReadOnlyList<ChannelView>>> ChannelsAsync(DeliveryService service, string? check, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.ChannelsAsync(check switch
        {
            null or "" or "true" => true,
            "false" => false,
            _ => throw new Core.InvalidFieldException("check", $"'{check}' is not allowed; use true or false"),
        }, cancellationToken));

    private static async Task<Ok<ChannelTestView>> TestAsync(string name, string? thread, DeliveryService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.TestAsync(name, thread, cancellationToken));
}
