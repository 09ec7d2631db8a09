using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit;

namespace InventoryFunctions.Testing;

/// <summary>One line the host logged: what its console shows.</summary>
public sealed record LogLine(string Category, LogLevel Level, string Message)
{
    public override string ToString() => $"{Level} {Category}: {Message}";
}

/// <summary>Everything the host logs, kept for assertions (besides its console).</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    /// <summary>Polls until a line matches (the worker's logs arrive asynchronously over the stream).</summary>
    public async Task<LogLine> WaitForAsync(Func<LogLine, bool> match, string what, TimeSpan? timeout = null) =>
        (await Eventually.UntilAsync($"a log line {what}", () => _lines.FirstOrDefault(match), line => line is not null, timeout, TimeSpan.FromMilliseconds(50),
            describe: _ => "none", detail: () => $"The host logged:\n{string.Join("\n", _lines.TakeLast(80))}"))!;

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogLine> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new LogLine(category, logLevel, formatter(state, exception)));
    }
}
