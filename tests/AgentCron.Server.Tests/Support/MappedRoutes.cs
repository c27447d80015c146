using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentCron.Server.Tests.Support;

/// <summary>One method and route pattern the daemon maps, e.g. <c>POST /api/tasks/{id}/cancel</c>; <paramref name="Ui"/>: a web UI page (cookie, not token).</summary>
public sealed partial record MappedRoute(string Method, string Pattern, bool Ui = false)
{
    /// <summary>The route's parameter names (<c>id</c>, <c>documentName</c>).</summary>
    public IReadOnlyList<string> Parameters => [.. ParameterPattern().Matches(Pattern).Select(m => m.Groups[1].Value)];

    /// <summary>A concrete path: each route parameter replaced by <paramref name="value"/>(name), escaped.</summary>
    public string Path(Func<string, string> value) =>
        ParameterPattern().Replace(Pattern, m => Uri.EscapeDataString(value(m.Groups[1].Value)));

    public override string ToString() => $"{Method} {Pattern}";

    /// <summary>Every route the app maps, read from its endpoint data source: what a test walks, so no route can be missed.</summary>
    public static IReadOnlyList<MappedRoute> Of(AgentCronApp app) =>
    [
        .. app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => new MappedRoute(method, "/" + e.RoutePattern.RawText!.Trim('/'), e.Metadata.GetMetadata<Ui.UiRoutes.UiPage>() is not null)))
            .Distinct()
            .OrderBy(r => r.Pattern, StringComparer.Ordinal)
            .ThenBy(r => r.Method, StringComparer.Ordinal),
    ];

    [GeneratedRegex(@"\{(\w+)[^}]*\}")]
    private static partial Regex ParameterPattern();
}
