using System.Runtime.InteropServices;

namespace NativeInfer.Cli.CommandLine;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM turned into a cancellation for a command that writes a file (logits,
/// make-tiny), so the work stops at its next check, the partial output is removed while the stack unwinds
/// (<see cref="Formats.OutputFile"/>), and the process exits 130 (SIGINT) or 143 (SIGTERM) like a shell
/// expects. A second signal gets the default action. Registered for the command's duration only.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private volatile string? _signal;

    public Interruption()
    {
        _registrations = [Register(PosixSignal.SIGINT), Register(PosixSignal.SIGTERM)];
    }

    public CancellationToken Token => _source.Token;

    /// <summary>The signal that arrived ("SIGINT", "SIGTERM"), or null.</summary>
    public string? Signal => _signal;

    /// <summary>What the command throws once a signal stopped it: the exit code the shell convention gives it.</summary>
    public CommandInterruptedException Exception() =>
        new(_signal ?? "SIGINT", _signal == "SIGTERM" ? 143 : 130);

    private PosixSignalRegistration Register(PosixSignal signal) => PosixSignalRegistration.Create(signal, context =>
    {
        if (_source.IsCancellationRequested) return; // a second signal: the default action (terminate)
        context.Cancel = true;
        _signal = signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";
        _source.Cancel();
    });

    public void Dispose()
    {
        foreach (PosixSignalRegistration r in _registrations) r.Dispose();
        _source.Dispose();
    }
}

/// <summary>A command stopped by a signal; <see cref="ExitCode"/> is 128 + the signal number.</summary>
internal sealed class CommandInterruptedException(string signal, int exitCode)
    : OperationCanceledException($"interrupted by {signal}; the partial output was removed")
{
    public string SignalName { get; } = signal;
    public int ExitCode { get; } = exitCode;
}
