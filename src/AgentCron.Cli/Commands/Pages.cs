using System.Globalization;
using System.Text.Json;
using AgentCron.Client;
using AgentCron.Core.Contracts;

namespace AgentCron.Cli.Commands;

/// <summary>Reads one page of a listing, or every page by following <c>nextCursor</c>.</summary>
internal static class Pages
{
    /// <summary>Caps <c>--all</c> so a daemon that keeps returning a cursor cannot loop the CLI forever.</summary>
    private const int MaxPages = 10_000;

    /// <returns>The items, the JSON to print for <c>--json</c> (the page, or all items merged into one page), and whether more pages remain.</returns>
    public static async Task<(IReadOnlyList<T> Items, JsonElement Json, bool More)> ReadAsync<T>(
        AgentCronClient client, Func<string?, string> path, bool all, CancellationToken cancellationToken)
    {
        var first = await client.SendAsync<PageView<T>>(HttpMethod.Get, path(null), null, null, cancellationToken);
        if (!all || first.Value.NextCursor is null)
            return (first.Value.Items, first.Json, first.Value.NextCursor is not null);

        var items = new List<T>(first.Value.Items);
        var raw = new List<JsonElement>(Elements(first.Json));
        var cursor = first.Value.NextCursor;
        for (var page = 1; cursor is not null && page < MaxPages; page++)
        {
            var next = await client.SendAsync<PageView<T>>(HttpMethod.Get, path(cursor), null, null, cancellationToken);
            items.AddRange(next.Value.Items);
            raw.AddRange(Elements(next.Json));
            cursor = next.Value.NextCursor == cursor ? null : next.Value.NextCursor;
        }
        var merged = JsonSerializer.SerializeToElement(new { items = raw, nextCursor = (string?)null }, Client.Json.Options);
        return (items, merged, false);
    }

    public static string? Text(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static List<JsonElement> Elements(JsonElement page) =>
        page.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array ? [.. items.EnumerateArray()] : [];
}
