namespace AgentCron.Core.Model;

/// <summary>The native session an agent provider keeps for a chat thread (<c>claude --resume ID</c>, …).</summary>
public sealed record ThreadSession(string Thread, string Provider, string SessionId, DateTimeOffset UpdatedAt);
