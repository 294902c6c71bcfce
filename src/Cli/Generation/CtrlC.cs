namespace NativeInfer.Cli.Generation;

/// <summary>
/// Turns the first Ctrl+C into a cancellation of the current generation instead of killing the process, so
/// a long reply can be stopped and its statistics still printed (a second Ctrl+C ends the process as usual).
/// <see cref="Renew"/> re-arms it for the next turn of a chat.
/// </summary>
internal sealed class CtrlC : IDisposable
{
    private CancellationTokenSource _source = new();

    public CtrlC() => Console.CancelKeyPress += OnCancelKeyPress;

    public CancellationToken Token => _source.Token;

    /// <summary>A fresh token after a cancelled turn.</summary>
    public void Renew()
    {
        if (!_source.IsCancellationRequested) return;
        _source.Dispose();
        _source = new CancellationTokenSource();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (_source.IsCancellationRequested) return;
        e.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _source.Dispose();
    }
}
