using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AgentCron.Server.Tests.Support;

/// <summary>One entry the daemon logged: level, category, the formatted message and the exception it carried.</summary>
public sealed record LogLine(LogLevel Level, string Category, string Message, Exception? Exception);

/// <summary>A logger provider for the daemon under test (<c>TestDaemon.StartAsync(configure: …)</c>) that keeps every entry.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogLine> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new LogLine(logLevel, category, formatter(state, exception), exception));
    }
}
