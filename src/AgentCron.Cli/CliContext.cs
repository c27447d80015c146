using System.Collections;
using AgentCron.Client;
using AgentCron.Cli.Output;
using AgentCron.Core.Time;

namespace AgentCron.Cli;

/// <summary>
/// What a command may touch of the outside world: the console, the clock, the environment and the network.
/// <see cref="Default"/> is the real process; tests give writers, a fixed clock, an environment and a handler.
/// </summary>
public sealed class CliContext
{
    public TextWriter Out { get; init; } = Console.Out;
    public TextWriter Error { get; init; } = Console.Error;

    /// <summary>Read by <c>--prompt-file -</c>.</summary>
    public TextReader In { get; init; } = Console.In;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The variables <see cref="Client.Endpoint.Resolve"/> reads (<c>AGENTCRON_URL</c>, <c>AGENTCRON_TOKEN</c>, <c>AGENTCRON_HOME</c>).</summary>
    public IDictionary Environment { get; init; } = System.Environment.GetEnvironmentVariables();

    /// <summary>The HTTP handler for client commands; null uses a <see cref="SocketsHttpHandler"/>.</summary>
    public Func<HttpMessageHandler>? CreateHandler { get; init; }

    /// <summary>The zone times are shown in when a command has no <c>--tz</c>.</summary>
    public TimeZoneInfo LocalZone => Time.LocalTimeZone;

    public static CliContext Default { get; } = new();

    /// <summary>A client for the daemon the environment points at.</summary>
    public AgentCronClient CreateClient() => new(Client.Endpoint.Resolve(Environment), Time, CreateHandler?.Invoke());

    /// <summary>Formats times relative to now, in <paramref name="tz"/> or else <see cref="LocalZone"/>.</summary>
    public TimeText TimeText(string? tz) => new(Time.GetUtcNow(), TimeZones.Resolve(tz, LocalZone, "--tz"));
}
