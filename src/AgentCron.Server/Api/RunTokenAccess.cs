using AgentCron.Core.Model;

namespace AgentCron.Server.Api;

/// <summary>Which endpoints a run's token may call, and which run made a request.</summary>
public static class RunTokenAccess
{
    /// <summary>Lets a run's token call this endpoint.</summary>
    public static TBuilder AllowRunToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(RunTokenAllowed.Instance);

    /// <summary>The run whose token made this request, or null for the daemon's token.</summary>
    public static TaskRun? RunCaller(HttpContext http) => http.Items.TryGetValue(typeof(RunTokenAllowed), out var run) ? run as TaskRun : null;

    /// <summary>Endpoint metadata: a run's token may call this endpoint.</summary>
    public sealed class RunTokenAllowed
    {
        public static readonly RunTokenAllowed Instance = new();

        private RunTokenAllowed()
        {
        }
    }
}
