using NativeInfer.Kernels;
using NativeInfer.Operators;
using NativeInfer.Tensors;

namespace NativeInfer.Runtime;

/// <summary>
/// One conversation's state over a shared <see cref="InferenceModel"/>: its KV cache, scratch arena,
/// kernel pool and position. Not thread-safe (use one session per concurrent request); after the first
/// pass of a given size, a forward pass allocates nothing, managed or native. When the model's plan puts modules on
/// a GPU (<see cref="InferenceModel.Gpu"/>), the session runs there: the backend holds the KV cache on the device and
/// feeds prompts as decode steps; this session checks the input and the logits as on the CPU.
/// </summary>
/// <remarks>
/// <see cref="Dispose"/> may come from another thread while a pass runs: it cancels the pass (checked
/// between layers), waits for it to leave the native buffers, then frees them; the pass ends with
/// <see cref="ObjectDisposedException"/>, as does every later call.
/// </remarks>
public sealed unsafe class InferenceSession : IDisposable
{
    private readonly InferenceModel _model;
    private readonly SessionOptions _options;
    private readonly KernelPool _pool;
    private readonly ScratchArena _scratch;
    private readonly KvCache _cache;
    private readonly ForwardContext _ctx;
    private readonly IDeviceDecoder? _gpu;
    private readonly object _gate = new();                         // guards _running and _disposed
    private readonly CancellationTokenSource _lifetime = new();    // cancelled by Dispose
    private bool _running, _disposed;

    /// <summary>Native scratch the session holds for its passes (tests check it does not grow with the layer count).</summary>
    internal long ScratchBytes => _scratch.CapacityBytes;

    internal InferenceSession(InferenceModel model, SessionOptions options)
    {
        options.Validate();
        _model = model;
        _options = options;
        int capacity = options.ContextLength > 0 ? options.ContextLength : Math.Min(model.Config.ContextLength, SessionOptions.DefaultContextCap);
        _pool = KernelPool.Create(options.Threads, options.Isa);
        try
        {
            // On a GPU backend the device holds the cache; the CPU one only satisfies the context (one position).
            _gpu = model.Gpu?.Open(model, options with { ContextLength = capacity });
            _cache = new KvCache(model.Config, _gpu is null ? capacity : 1, options.KvCacheType);
            _scratch = new ScratchArena(8L << 20);
            _ctx = new ForwardContext(_pool, _scratch, _cache) { Lifetime = _lifetime.Token };
        }
        catch
        {
            _pool.Dispose();
            _cache?.Dispose();
            _gpu?.Dispose();
            throw;
        }
    }

    public InferenceModel Model => _model;

    /// <summary>Tokens in the cache: the position the next token takes.</summary>
    public int Length => _gpu?.Length ?? _cache.Length;

    public int Capacity => _gpu?.Capacity ?? _cache.Capacity;

    /// <summary>What runs the forward passes: the GPU backend's device, or null for the CPU operators.</summary>
    public string? GpuDescription => _gpu?.DeviceDescription;

    public int VocabSize => _model.Config.VocabSize;

    public KernelPool Pool => _pool;

    /// <summary>
    /// Feeds tokens (one batched pass, split at MaxBatchTokens) and writes the last token's logits [vocab].
    /// Cancellation is checked between layers; a cancelled call leaves the session as it was before it.
    /// </summary>
    public void Forward(ReadOnlySpan<int> tokens, Span<float> logits, CancellationToken cancellation = default) =>
        Run(tokens, logits, allPositions: false, cancellation);

    /// <summary>Feeds tokens and writes the logits of every one of them, [tokens][vocab].</summary>
    public void ForwardAll(ReadOnlySpan<int> tokens, Span<float> logits, CancellationToken cancellation = default) =>
        Run(tokens, logits, allPositions: true, cancellation);

    /// <summary>Forgets everything after the first <paramref name="length"/> tokens (rewind for regeneration or a new turn).</summary>
    public void Truncate(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)length > (uint)Length)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"the session holds {Length} tokens");
        if (_gpu is not null) _gpu.Truncate(length);
        else _cache.Length = length;
    }

    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_gpu is not null) _gpu.Truncate(0);
        else _cache.Length = 0;
    }

    private void Run(ReadOnlySpan<int> tokens, Span<float> logits, bool allPositions, CancellationToken cancellation)
    {
        int n = tokens.Length, vocab = VocabSize, hidden = _model.Config.HiddenSize;
        if (n == 0) throw new ArgumentException("no tokens to feed", nameof(tokens));
        if (Length + n > Capacity) throw new ContextLengthExceededException(Length, n, Capacity);
        long need = allPositions ? (long)n * vocab : vocab;
        if (logits.Length < need) throw new ArgumentException($"logits holds {logits.Length} values; {need} are needed", nameof(logits));
        for (int i = 0; i < n; i++)
            if ((uint)tokens[i] >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"token {i} is outside the vocabulary [0, {vocab})");

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running) throw new InvalidOperationException("a forward pass is already running on this session (a session serves one caller at a time)");
            _running = true;
        }
        int before = Length;
        try
        {
            if (_gpu is not null)
            {
                RunOnGpu(_gpu, tokens, logits, allPositions, cancellation);
                return;
            }
            fixed (int* ids = tokens)
            fixed (float* outLogits = logits)
            {
                for (int start = 0; start < n; start += _options.MaxBatchTokens)
                {
                    int count = Math.Min(_options.MaxBatchTokens, n - start);
                    _ctx.Begin(_cache.Length, count, cancellation);
                    float* h = _scratch.Alloc<float>((long)count * hidden);
                    _model.Stack.Forward(_ctx, ids + start, count, h);
                    _cache.Length += count;
                    if (allPositions)
                    {
                        _model.LmHead.Forward(_ctx, h, count, outLogits + (long)start * vocab);
                        ThrowIfNonFinite(new ReadOnlySpan<float>(outLogits + (long)start * vocab, count * vocab), before + start, tokens[start..]);
                    }
                    else if (start + count == n)
                    {
                        _model.LmHead.Forward(_ctx, h + (long)(count - 1) * hidden, 1, outLogits);
                        ThrowIfNonFinite(new ReadOnlySpan<float>(outLogits, vocab), before + n - 1, tokens[(n - 1)..]);
                    }
                }
            }
        }
        catch (Exception e)
        {
            // Whatever this call wrote past `before` is ignored from now on: the session is as it was.
            if (_gpu is not null) _gpu.Truncate(before);
            else _cache.Length = before;
            if (e is OperationCanceledException && _lifetime.IsCancellationRequested)
                throw new ObjectDisposedException(nameof(InferenceSession), "the session was disposed while a forward pass ran on it");
            throw;
        }
        finally
        {
            lock (_gate)
            {
                _running = false;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>
    /// The GPU backend feeds tokens one decode step at a time, so every position's logits come at no extra cost and
    /// cancellation is checked between tokens (a whole prompt when only the last logits are wanted).
    /// </summary>
    private void RunOnGpu(IDeviceDecoder gpu, ReadOnlySpan<int> tokens, Span<float> logits, bool allPositions, CancellationToken cancellation)
    {
        int vocab = VocabSize, first = gpu.Length;
        if (!allPositions)
        {
            cancellation.ThrowIfCancellationRequested();
            gpu.Forward(tokens, logits[..vocab]);
            ThrowIfNonFinite(logits[..vocab], first + tokens.Length - 1, tokens[^1..], stage: NonFiniteLogitsException.UnknownStage);
            return;
        }
        for (int t = 0; t < tokens.Length; t++)
        {
            cancellation.ThrowIfCancellationRequested();
            _lifetime.Token.ThrowIfCancellationRequested();
            Span<float> row = logits.Slice(t * vocab, vocab);
            gpu.Forward(tokens.Slice(t, 1), row);
            ThrowIfNonFinite(row, first + t, tokens[t..], stage: NonFiniteLogitsException.UnknownStage);
        }
    }

    /// <summary>
    /// NaN or infinite logits are never handed on (sampling them is garbage): <see cref="NonFiniteLogitsException"/>
    /// naming the first bad position and, from the checks the decoder stack made, the first stage that went
    /// non-finite. <paramref name="logits"/> is [positions][vocab] from <paramref name="firstPosition"/>.
    /// </summary>
    private void ThrowIfNonFinite(ReadOnlySpan<float> logits, int firstPosition, ReadOnlySpan<int> tokens, int? stage = null)
    {
        int bad = Finite.IndexOfNonFinite(logits);
        if (bad < 0) return;
        int row = bad / VocabSize;
        throw new NonFiniteLogitsException(firstPosition + row, tokens[row], stage ?? _ctx.FirstNonFiniteStage, _model.Config.NumLayers, logits[bad]);
    }

    /// <summary>Frees the cache, scratch and pool; a pass running on another thread is cancelled and waited for first.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _lifetime.Cancel();
            while (_running) Monitor.Wait(_gate);
        }
        _gpu?.Dispose();
        _cache.Dispose();
        _scratch.Dispose();
        _pool.Dispose();
        _lifetime.Dispose();
    }
}
