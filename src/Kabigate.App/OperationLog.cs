namespace Kabigate.App;

/// <summary>
/// Where an operation reports what happens while it runs: warnings, notes (a download, a store being written) and
/// progress. The CLI prints them on stderr; the service logs them. Errors that decide the outcome are in the result.
/// </summary>
public interface IOperationLog
{
    /// <summary>A finding that does not change the outcome, e.g. a kmod package whose declared requirements disagree with its modules.</summary>
    void Warning(string message);

    /// <summary>A lint-style finding already in <c>file:line: WARNING: …</c> form (a policy rule that matched nothing), shown as it is.</summary>
    void Lint(string line);

    /// <summary>Something the user may want to know while waiting, e.g. "downloading apt:linux-headers-…".</summary>
    void Note(string message);

    /// <summary>Starts reporting progress of a long step; dispose it when the step ends.</summary>
    IProgressScope Progress(string label);

    /// <summary>A step of the operation ended (for timings: the time since the previous step is this one's).</summary>
    void Phase(string name);
}

/// <summary>Progress of one step (done, total).</summary>
public interface IProgressScope : IProgress<(int Done, int Total)>, IDisposable;

/// <summary>A log that drops everything (for callers that only want the result).</summary>
public sealed class SilentLog : IOperationLog
{
    /// <summary>The one instance.</summary>
    public static SilentLog Instance { get; } = new();

    private SilentLog()
    {
    }

    /// <inheritdoc/>
    public void Warning(string message)
    {
    }

    /// <inheritdoc/>
    public void Note(string message)
    {
    }

    /// <inheritdoc/>
    public void Lint(string line)
    {
    }

    /// <inheritdoc/>
    public IProgressScope Progress(string label) => NoProgress.Instance;

    /// <inheritdoc/>
    public void Phase(string name)
    {
    }

    private sealed class NoProgress : IProgressScope
    {
        public static NoProgress Instance { get; } = new();

        public void Report((int Done, int Total) value)
        {
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// Raised by an operation when its request cannot be carried out (a usage error, an input that cannot be read, a
/// store reference that names nothing): the interfaces show the message, one line, and exit 2 or answer 4xx.
/// </summary>
public sealed class OperationException : Exception
{
    /// <summary>Creates the exception with its one-line messages (the first is <see cref="Exception.Message"/>).</summary>
    public OperationException(IReadOnlyList<string> messages)
        : base(messages?.Count > 0 ? messages[0] : "the operation failed") => Messages = messages ?? [];

    /// <summary>Creates the exception with one message.</summary>
    public OperationException(string message)
        : this([message])
    {
    }

    /// <summary>Creates the exception with one message.</summary>
    public OperationException()
        : this("the operation failed")
    {
    }

    /// <summary>Creates the exception with one message and its cause.</summary>
    public OperationException(string message, Exception inner)
        : base(message, inner) => Messages = [message];

    /// <summary>Every line to show, in order.</summary>
    public IReadOnlyList<string> Messages { get; }
}
