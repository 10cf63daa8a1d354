using Kabigate.App;

namespace Kabigate.Server;

/// <summary>The operations' log, written to the host's logger: notes as information, warnings as warnings.</summary>
internal sealed class ServerLog(ILogger logger) : IOperationLog
{
    public void Warning(string message) => logger.LogWarning("{Message}", message);

    public void Lint(string line) => logger.LogWarning("{Message}", line);

    public void Note(string message) => logger.LogInformation("{Message}", message);

    public IProgressScope Progress(string label) => SilentLog.Instance.Progress(label);

    public void Phase(string name) => logger.LogDebug("phase {Phase}", name);
}
