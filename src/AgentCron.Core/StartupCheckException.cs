namespace AgentCron.Core;

/// <summary>
/// Something the daemon needs at start cannot be used: its store (a database file that is read-only, corrupt or not a
/// database, a directory it cannot write, a PostgreSQL server it cannot reach) or a token file (too open, empty). The
/// message names the path or server and what is wrong, never a password; <c>agentcron serve</c> prints it and exits 1.
/// </summary>
public sealed class StartupCheckException : Exception
{
    public StartupCheckException(string message)
        : base(message)
    {
    }

    public StartupCheckException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
