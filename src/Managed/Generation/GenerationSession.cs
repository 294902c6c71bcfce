using Microsoft.Extensions.Logging;
using NativeInfer.Generation.Diagnostics;
using NativeInfer.Generation.Sampling;
using NativeInfer.Runtime;
using NativeInfer.Tokenization;

namespace NativeInfer.Generation;

/// <summary>
/// One conversation's generation state over a shared <see cref="LanguageModel"/>: the context (every token
/// so far), its KV cache, the sampler and the streaming decoder. Text in, tokens and text out, one
/// generation at a time; the cache is kept across calls, so a follow-up prompt evaluates only its new tokens.
/// Not thread-safe: use one session per concurrent request (sessions on one model run in parallel and give
/// the same results as run one at a time).
/// </summary>
/// <remarks>
/// The context may end with tokens that are not in the cache yet (<see cref="Count"/> − <see cref="CachedCount"/>):
/// the last sampled token, or tokens given by <see cref="Append(ReadOnlySpan{int})"/>. The next generation
/// evaluates them first.
/// </remarks>
public sealed class GenerationSession : IDisposable
{
    private readonly LanguageModel _model;
    private readonly InferenceSession _inference;
    private readonly Sampler _sampler;
    private readonly float[] _logits;
    private readonly ILogger _logger;
    private readonly StopStringMatcher _stops = new();
    private StreamingDecoder? _decoder, _specialDecoder;
    private char[] _pieceBuffer = [], _textBuffer = [];
    private int[] _tokens;
    private int _count;
    private int _keepTokens;
    private GenerationStream? _active;
    private volatile bool _disposed;

    internal GenerationSession(LanguageModel model, GenerationSessionOptions options, int id)
    {
        _model = model;
        Options = options;
        Id = id;
        _logger = model.Logger;
        _inference = model.Model.CreateSession(options);
        _logits = new float[model.Config.VocabSize];
        _sampler = new Sampler(Math.Min(model.Config.VocabSize, model.Tokenizer.VocabSize));
        _tokens = new int[_inference.Capacity + 1];
        KeepTokens = options.KeepTokens;
    }

    public LanguageModel Model => _model;

    public GenerationSessionOptions Options { get; }

    /// <summary>Number of this session among its model's (log messages name it).</summary>
    public int Id { get; }

    /// <summary>KV cache capacity in tokens.</summary>
    public int Capacity => _inference.Capacity;

    /// <summary>Tokens in the context.</summary>
    public int Count => _count;

    /// <summary>The context, oldest first: a view of the session's buffer, valid until the session changes.</summary>
    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, _count);

    /// <summary>Context tokens whose KV entries are computed (the rest are evaluated by the next generation).</summary>
    public int CachedCount => _inference.Length;

    /// <summary>Every token fed to the model since the session was created (prompts, generated tokens, re-evaluations).</summary>
    public long TokensEvaluated { get; private set; }

    /// <summary>Tokens at the start that <see cref="ContextOverflowPolicy.TruncateOldest"/> never drops (e.g. a system prompt).</summary>
    public int KeepTokens
    {
        get => _keepTokens;
        set
        {
            if (value < 0 || value >= Capacity)
                throw new InvalidOptionException($"{nameof(GenerationSession)}.{nameof(KeepTokens)}", value, $"must be in [0, {Capacity})");
            _keepTokens = value;
        }
    }

    /// <summary>Whether a generation stream is running on this session.</summary>
    public bool IsGenerating => _active is not null;

    internal InferenceSession Inference => _inference;

    // ------------------------------------------------------------------ the context

    /// <summary>Appends tokens to the context without evaluating them (the next generation does).</summary>
    public void Append(ReadOnlySpan<int> tokens)
    {
        ThrowIfBusy();
        int vocab = _model.Config.VocabSize;
        for (int i = 0; i < tokens.Length; i++)
            if ((uint)tokens[i] >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"token {i} is outside the vocabulary [0, {vocab})");
        EnsureRoom(_count + tokens.Length);
        tokens.CopyTo(_tokens.AsSpan(_count));
        _count += tokens.Length;
    }

    /// <summary>Encodes <paramref name="text"/> and appends it; returns the tokens added.</summary>
    /// <param name="addBos">Put BOS first; null = when the context is empty and the model wants one.</param>
    /// <param name="parseSpecial">Map control-token texts to their ids.</param>
    public int Append(string text, bool? addBos = null, bool parseSpecial = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        int[] ids = _model.Tokenizer.Encode(text, addBos ?? (_count == 0 && _model.Tokenizer.AddBos), parseSpecial);
        Append(ids);
        return ids.Length;
    }

    /// <summary>
    /// Makes <paramref name="tokens"/> the context, keeping the KV entries of the longest common prefix with the
    /// current one (nothing before the first difference is re-evaluated). Returns how many cached tokens were kept.
    /// </summary>
    public int SetContext(ReadOnlySpan<int> tokens)
    {
        ThrowIfBusy();
        int common = tokens.CommonPrefixLength(Tokens);
        int vocab = _model.Config.VocabSize;
        for (int i = common; i < tokens.Length; i++)
            if ((uint)tokens[i] >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"token {i} is outside the vocabulary [0, {vocab})");
        EnsureRoom(tokens.Length);
        tokens[common..].CopyTo(_tokens.AsSpan(common));
        _count = tokens.Length;
        if (_inference.Length > common) _inference.Truncate(common);
        return _inference.Length;
    }

    /// <summary>Keeps the first <paramref name="count"/> tokens of the context (rewind for regeneration or editing).</summary>
    public void Truncate(int count)
    {
        ThrowIfBusy();
        if ((uint)count > (uint)_count) throw new ArgumentOutOfRangeException(nameof(count), count, $"the context holds {_count} tokens");
        TruncateContext(count);
    }

    /// <summary>Empties the context.</summary>
    public void Reset() => Truncate(0);

    // ------------------------------------------------------------------ generation

    /// <summary>
    /// Appends <paramref name="prompt"/> to the context and streams the continuation. Nothing runs until the
    /// stream is enumerated (<c>await foreach</c>, or <c>foreach</c> to block); see <see cref="GenerationStream"/>.
    /// </summary>
    public GenerationStream GenerateAsync(string prompt, GenerationOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return Start(prompt, default, options, cancellation);
    }

    /// <inheritdoc cref="GenerateAsync(string, GenerationOptions?, CancellationToken)"/>
    public GenerationStream GenerateAsync(ReadOnlyMemory<int> prompt, GenerationOptions? options = null, CancellationToken cancellation = default) =>
        Start(null, prompt, options, cancellation);

    /// <summary>Streams a continuation of the context as it is (after <see cref="Append(ReadOnlySpan{int})"/> or a previous generation).</summary>
    public GenerationStream ContinueAsync(GenerationOptions? options = null, CancellationToken cancellation = default) =>
        Start(null, default, options, cancellation);

    /// <summary>
    /// Chat (sessions and the chat client): continues a context whose last <paramref name="contextPromptTokens"/> tokens
    /// are the rendered conversation (counted as the prompt), telling <paramref name="observer"/> about every item.
    /// </summary>
    internal GenerationStream ContinueChat(GenerationOptions? options, int contextPromptTokens, IGenerationObserver? observer,
                                           CancellationToken cancellation) =>
        Start(null, default, options, cancellation, contextPromptTokens, observer);

    /// <summary>Synchronous: appends <paramref name="prompt"/>, generates to the end and returns the result.</summary>
    public GenerationResult Generate(string prompt, GenerationOptions? options = null, CancellationToken cancellation = default) =>
        GenerateAsync(prompt, options, cancellation).ToResult();

    /// <inheritdoc cref="Generate(string, GenerationOptions?, CancellationToken)"/>
    public GenerationResult Generate(ReadOnlyMemory<int> prompt, GenerationOptions? options = null, CancellationToken cancellation = default) =>
        GenerateAsync(prompt, options, cancellation).ToResult();

    private GenerationStream Start(string? text, ReadOnlyMemory<int> tokens, GenerationOptions? options, CancellationToken cancellation,
                                   int contextPromptTokens = 0, IGenerationObserver? observer = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        options = (options ?? _model.Options.Generation).Validate();
        for (int i = 0; i < options.StopTokens.Count; i++)
            if (options.StopTokens[i] >= _model.Config.VocabSize)
                throw new InvalidOptionException($"{nameof(GenerationOptions)}.{nameof(GenerationOptions.StopTokens)}[{i}]", options.StopTokens[i],
                                                 $"must be a token id below the vocabulary size {_model.Config.VocabSize}");
        return new GenerationStream(this, options, text, tokens, cancellation, contextPromptTokens, observer);
    }

    // ------------------------------------------------------------------ the steps of a generation (its stream enumerates them)

    internal LanguageModel LanguageModel => _model;

    internal ILogger Logger => _logger;

    internal void Begin(GenerationStream stream)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_active is not null && _active != stream)
            throw new InvalidOperationException($"session {Id} is already generating: finish or dispose that stream first (one generation at a time per session)");
        _active = stream;
    }

    internal void End(GenerationStream stream)
    {
        if (_active == stream) _active = null;
    }

    /// <summary>
    /// Appends the prompt (text or tokens; nothing to continue the context) and prepares the draw, the decoder and
    /// the stop strings of a generation. <paramref name="contextPromptTokens"/>: chat's rendered prompt, already in
    /// the context, counted as the prompt.
    /// </summary>
    internal void StartGeneration(ref GenerationRun run, GenerationOptions options, string? promptText, ReadOnlyMemory<int> promptTokens,
                                  int contextPromptTokens)
    {
        run.Options = options;
        run.Processors = [.. options.LogitsProcessors];
        run.StopTokens = [.. options.StopTokens];
        run.ContextBefore = _count;
        AppendForStream(promptText, promptTokens, options.AddBos, options.ParseSpecial);
        run.PromptTokens = contextPromptTokens > 0 ? contextPromptTokens : _count - run.ContextBefore;
        run.Seed = options.Sampling.Seed ?? (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        run.Random = new Xoshiro256StarStar(run.Seed);
        run.Decoder = Decoder(options.RenderSpecial);
        run.Decoder.Reset();
        int piece = 2 * run.Decoder.MaxCharsPerToken; // a token's text plus a final flush
        _stops.Reset(options.StopStrings, piece);
        (run.PieceBuffer, run.TextBuffer) = TextBuffers(piece, piece + _stops.MaxHeld);
    }

    /// <summary>
    /// One step: evaluates what the cache lacks (the prompt at the first step, the last sampled token after), samples
    /// the next token, appends it, and decodes its text through the stop strings. A first step that fails leaves the
    /// context as it was before the prompt (unless TruncateOldest already rewrote it). The item's text is valid until
    /// the next step. <paramref name="fed"/>: tokens evaluated.
    /// </summary>
    internal GeneratedToken Step(ref GenerationRun run, CancellationToken cancellation, out int fed)
    {
        int truncations = Truncations;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this); // the cache is native memory: never touch it after the session is gone
            cancellation.ThrowIfCancellationRequested();
            if (run.Generated == 0) run.CachedTokens = Math.Min(CachedCount, Count - 1);
            fed = FeedPending(cancellation);
            if (run.Generated == 0) run.EvaluatedTokens = fed;

            int id = _sampler.Sample(_logits, Tokens, run.Generated, run.Options.Sampling, run.Processors, ref run.Random);
            EnsureRoom(_count + 1);
            _tokens[_count++] = id;
            int index = run.Generated++;

            Tokenizer tokenizer = _model.Tokenizer;
            FinishReason finish = FinishReason.None;
            bool stopToken = (run.Options.StopAtEndOfGeneration && tokenizer.IsEndOfGeneration(id)) || Array.IndexOf(run.StopTokens, id) >= 0;
            int chars = 0;
            if (stopToken) finish = FinishReason.StopToken;
            else
            {
                if ((uint)id < (uint)tokenizer.VocabSize) chars = run.Decoder.Append(id, run.PieceBuffer);
                if (run.Generated == run.Options.MaxTokens) finish = FinishReason.MaxTokens;
                else if (_count > _inference.Capacity && Options.OverflowPolicy == ContextOverflowPolicy.StopGeneration) finish = FinishReason.ContextFull;
            }
            if (finish != FinishReason.None) chars += run.Decoder.Flush(run.PieceBuffer.AsSpan(chars));
            int written = _stops.Feed(run.PieceBuffer.AsSpan(0, chars), run.TextBuffer, final: finish != FinishReason.None, out bool matched);
            if (matched) finish = FinishReason.StopString;
            return new GeneratedToken(id, new ReadOnlyMemory<char>(run.TextBuffer, 0, written), index, finish);
        }
        catch
        {
            if (run.Generated == 0 && truncations == Truncations) TruncateContext(run.ContextBefore);
            throw;
        }
    }

    private void AppendForStream(string? text, ReadOnlyMemory<int> tokens, bool? addBos, bool parseSpecial)
    {
        if (text is not null)
        {
            int[] ids = _model.Tokenizer.Encode(text, addBos ?? (_count == 0 && _model.Tokenizer.AddBos), parseSpecial);
            AppendChecked(ids);
        }
        else if (!tokens.IsEmpty) AppendChecked(tokens.Span);
    }

    private void AppendChecked(ReadOnlySpan<int> tokens)
    {
        GenerationStream? active = _active;
        _active = null; // Append refuses while generating; the stream appending its own prompt is the exception
        try { Append(tokens); }
        finally { _active = active; }
    }

    private void TruncateContext(int count)
    {
        _count = count;
        if (!_disposed && _inference.Length > count) _inference.Truncate(count);
    }

    private StreamingDecoder Decoder(bool renderSpecial) => renderSpecial
        ? _specialDecoder ??= _model.Tokenizer.CreateStreamingDecoder(renderSpecial: true)
        : _decoder ??= _model.Tokenizer.CreateStreamingDecoder();

    /// <summary>The text buffers (decoded piece, released text), grown to at least the given sizes and reused.</summary>
    private (char[] Piece, char[] Text) TextBuffers(int piece, int text)
    {
        if (_pieceBuffer.Length < piece) _pieceBuffer = new char[piece];
        if (_textBuffer.Length < text) _textBuffer = new char[text];
        return (_pieceBuffer, _textBuffer);
    }

    /// <summary>
    /// Evaluates the tokens not yet in the cache (all of them re-evaluating the last one when none is pending),
    /// applying the overflow policy first. Leaves the last token's logits in the session's buffer. Returns the tokens fed.
    /// </summary>
    private int FeedPending(CancellationToken cancellation)
    {
        if (_count == 0) throw new InvalidOperationException("the context is empty: give a prompt (a text prompt gets BOS when the model wants one)");
        if (_inference.Length == _count) _inference.Truncate(_count - 1); // no logits for the last token any more: recompute them
        if (_count > _inference.Capacity)
        {
            if (Options.OverflowPolicy == ContextOverflowPolicy.TruncateOldest) DropOldest();
            else throw new ContextLengthExceededException(_inference.Length, _count - _inference.Length, _inference.Capacity);
        }
        int start = _inference.Length, fed = _count - start;
        _inference.Forward(_tokens.AsSpan(start, fed), _logits, cancellation);
        TokensEvaluated += fed;
        return fed;
    }

    /// <summary>TruncateOldest: keep the protected prefix, drop max(overflow, half the rest) oldest tokens after it.</summary>
    private void DropOldest()
    {
        int keep = Math.Max(_keepTokens, _count > 0 && _tokens[0] == _model.Tokenizer.Bos ? 1 : 0);
        int droppable = _count - keep;
        int drop = Math.Max(_count - _inference.Capacity, droppable / 2);
        if (drop >= droppable) throw new ContextLengthExceededException(keep, droppable, _inference.Capacity);
        _tokens.AsSpan(keep + drop, _count - keep - drop).CopyTo(_tokens.AsSpan(keep));
        _count -= drop;
        Truncations++;
        if (_inference.Length > keep) _inference.Truncate(keep);
        GenerationLog.ContextTruncated(_logger, Id, _count + drop, _inference.Capacity, drop, keep, _count - keep);
    }

    /// <summary>How many times TruncateOldest rewrote the context.</summary>
    private int Truncations { get; set; }

    private void EnsureRoom(int count)
    {
        if (count <= _tokens.Length) return;
        Array.Resize(ref _tokens, Math.Max(count, _tokens.Length * 2));
    }

    private void ThrowIfBusy()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_active is not null)
            throw new InvalidOperationException($"session {Id} is generating: the context cannot change until that stream ends or is disposed");
    }

    /// <summary>
    /// Closes the session. Safe while another thread generates on it: a running forward pass is cancelled and
    /// waited for before the cache is freed, and the generating thread's stream ends with
    /// <see cref="ObjectDisposedException"/> (from its current or next step); nothing else is thrown.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _inference.Dispose();
        _model.SessionClosed(this);
    }
}
