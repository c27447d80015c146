using AgentCron.Core.Model;

namespace AgentCron.Core.Ports;

/// <summary>Agent sessions per chat thread. They are written with the run that produced them (<see cref="Completion.Session"/>).</summary>
public interface IThreadStore
{
    /// <summary>The session <paramref name="provider"/> keeps for <paramref name="thread"/>, or null.</summary>
    Task<ThreadSession?> FindSessionAsync(string thread, string provider, CancellationToken cancellationToken);

    /// <summary>Every provider's session for <paramref name="thread"/>, most recently used first.</summary>
    Task<IReadOnlyList<ThreadSession>> SessionsAsync(string thread, CancellationToken cancellationToken);
}
