namespace AgentCron.Server;

/// <summary>The flags of <c>agentcron serve</c>; null means "use the environment or the default".</summary>
/// <param name="Home">The data directory (<c>--home</c>; else <c>AGENTCRON_HOME</c>).</param>
/// <param name="Db">The store: <c>sqlite:PATH</c> (default <c>sqlite:HOME/agentcron.db</c>).</param>
/// <param name="Urls">Where to listen (default <c>http://127.0.0.1:7433</c>).</param>
/// <param name="Config">The configuration file (default <c>HOME/config.yaml</c>, read when it exists); <c>AGENTCRON__SECTION__KEY</c> variables override it.</param>
/// <param name="AllowRemote">Listen beyond loopback when an address asks for it (<c>--allow-remote</c>); otherwise such an address stops the start.</param>
public sealed record ServeOptions(string? Home = null, string? Db = null, string? Urls = null, string? Config = null, bool AllowRemote = false);
