using System.Text;
using NativeInfer.Chat;
using NativeInfer.Generation.Diagnostics;
using NativeInfer.Tokenization;

namespace NativeInfer.Generation.Chat;

/// <summary>
/// A multi-turn conversation over one <see cref="GenerationSession"/>: the history as <see cref="ChatMessage"/>s,
/// rendered by the model's <see cref="IChatTemplate"/> (or the one the options give), with the KV cache kept across turns.
/// </summary>
/// <remarks>
/// <para><b>No re-evaluation of the history.</b> After a turn the session remembers the prompt text plus the
/// reply as generated, and their tokens. When the next rendering starts with that text, only the rest is
/// tokenized and appended to those tokens, so the next turn evaluates just the new text (plus the last
/// generated token, if it was not evaluated yet). Otherwise the whole prompt is tokenized and the longest
/// common token prefix with the cache is kept.</para>
/// <para><b>Context overflow.</b> Before a turn, the prompt plus a reserve for the reply (MaxTokens, else a quarter
/// of the context; at most half) must fit. With <see cref="ContextOverflowPolicy.TruncateOldest"/> the oldest
/// exchanges after the leading system messages are dropped from the history (whole exchanges: a message
/// and the non-user messages after it) until it fits; the new message is never dropped; the prompt is then
/// re-evaluated from the first changed token. Otherwise, or when even that is not enough, a prompt that does
/// not fit at all throws <see cref="Runtime.ContextLengthExceededException"/>. A reply that fills the context
/// ends with <see cref="FinishReason.ContextFull"/> (Throw policy: throws).</para>
/// <para><b>Failed turns.</b> A turn that is cancelled, fails or whose stream is disposed before its end adds
/// nothing to the history (the user message is removed again); the session stays usable.</para>
/// Not thread-safe; one turn at a time.
/// </remarks>
public sealed class ChatSession : IDisposable, IGenerationObserver
{
    private readonly LanguageModel _model;
    private readonly ChatSessionOptions _options;
    private readonly GenerationSession _session;
    private readonly ContextOverflowPolicy _policy;
    private readonly List<ChatMessage> _history = [];
    private readonly StringBuilder _reply = new();
    private string? _committedText;  // prompt + reply text of the last turn, as the next rendering should start
    private int[]? _committedTokens; // ... and the tokens that produced exactly that text
    private string? _turnPrompt;
    private int[]? _turnTokens;
    private bool _turnAddedMessage;

    internal ChatSession(LanguageModel model, IChatTemplate template, ChatSessionOptions options)
    {
        _model = model;
        _options = options;
        Template = template;
        GenerationSessionOptions session = options.Session ?? model.Options.Session;
        _policy = session.OverflowPolicy;
        // Turn-level truncation happens here; the token-level session just stops when it is full.
        if (_policy == ContextOverflowPolicy.TruncateOldest) session = session with { OverflowPolicy = ContextOverflowPolicy.StopGeneration };
        _session = model.CreateSession(session);
        Clear();
    }

    /// <summary>The underlying session (its context, cache and counters).</summary>
    public GenerationSession Session => _session;

    /// <summary>Renders the conversation into the prompt.</summary>
    public IChatTemplate Template { get; }

    /// <summary>The conversation so far, oldest first.</summary>
    public IReadOnlyList<ChatMessage> History => _history;

    /// <summary>Adds a message without generating (few-shot examples, a restored conversation).</summary>
    public void Add(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfBusy();
        _history.Add(message);
    }

    /// <summary>Keeps the first <paramref name="count"/> messages (to regenerate or edit a reply); the cache is reconciled at the next turn.</summary>
    public void Rewind(int count)
    {
        ThrowIfBusy();
        if ((uint)count > (uint)_history.Count) throw new ArgumentOutOfRangeException(nameof(count), count, $"the history has {_history.Count} messages");
        _history.RemoveRange(count, _history.Count - count);
    }

    /// <summary>Back to the start: only the <see cref="ChatSessionOptions.SystemPrompt"/>, if any.</summary>
    public void Clear()
    {
        ThrowIfBusy();
        _history.Clear();
        if (_options.SystemPrompt is { } system) _history.Add(ChatMessage.System(system));
    }

    /// <summary>Adds a user message and streams the assistant's reply; the reply joins the history when the stream reaches its end.</summary>
    public GenerationStream SendAsync(string message, GenerationOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SendAsync(ChatMessage.User(message), options, cancellation);
    }

    /// <inheritdoc cref="SendAsync(string, GenerationOptions?, CancellationToken)"/>
    public GenerationStream SendAsync(ChatMessage message, GenerationOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfBusy();
        _history.Add(message);
        try
        {
            GenerationStream stream = StartTurn(options, cancellation);
            _turnAddedMessage = true;
            return stream;
        }
        catch
        {
            _history.RemoveAt(_history.Count - 1);
            throw;
        }
    }

    /// <summary>Streams an assistant reply to the history as it is (e.g. after <see cref="Rewind"/>).</summary>
    public GenerationStream ReplyAsync(GenerationOptions? options = null, CancellationToken cancellation = default)
    {
        ThrowIfBusy();
        if (_history.Count == 0) throw new InvalidOperationException("the conversation is empty: add a message first");
        return StartTurn(options, cancellation);
    }

    /// <summary>Synchronous <see cref="SendAsync(string, GenerationOptions?, CancellationToken)"/>: the whole reply.</summary>
    public GenerationResult Send(string message, GenerationOptions? options = null, CancellationToken cancellation = default) =>
        SendAsync(message, options, cancellation).ToResult();

    private GenerationStream StartTurn(GenerationOptions? options, CancellationToken cancellation)
    {
        options = (options ?? _options.Generation ?? _model.Options.Generation).Validate();
        int reserve = ChatPromptBuilder.Reserve(_session.Capacity, options.MaxTokens);
        var (text, tokens, dropped) = ChatPromptBuilder.Build(Template, _model.Tokenizer, _history, _session.Capacity, reserve,
                                                              dropTurns: _policy == ContextOverflowPolicy.TruncateOldest, Incremental);
        if (dropped > 0) GenerationLog.TurnsDropped(_model.Logger, _session.Capacity, dropped);
        int cached = _session.SetContext(tokens);
        GenerationStream stream = _session.ContinueChat(options, tokens.Length, this, cancellation);
        _turnPrompt = text;
        _turnTokens = tokens;
        _turnAddedMessage = false;
        _reply.Clear();
        return stream;
    }

    /// <summary>The committed tokens plus the tokens of the new text, when the rendering continues the committed text.</summary>
    private int[]? Incremental(string text)
    {
        if (_committedText is null || _committedTokens is null || !text.StartsWith(_committedText, StringComparison.Ordinal)) return null;
        Tokenizer tok = _model.Tokenizer;
        int[] rest = tok.Encode(text.AsSpan(_committedText.Length).ToString(), addBos: false, parseSpecial: true);
        // SentencePiece puts a space before text that starts an input, which this text does not; a leading
        // control token is safe (the space goes after special tokens either way).
        if (tok.Kind == TokenizerKind.SentencePiece && tok.AddSpacePrefix && rest.Length > 0 && !tok.IsSpecial(rest[0])) return null;
        return [.. _committedTokens, .. rest];
    }

    void IGenerationObserver.OnToken(in GeneratedToken token) => _reply.Append(token.Text.Span);

    void IGenerationObserver.OnFinished(GenerationStream stream, bool completed)
    {
        if (!completed)
        {
            if (_turnAddedMessage) _history.RemoveAt(_history.Count - 1);
            _turnAddedMessage = false;
            return;
        }
        string reply = _reply.ToString();
        _history.Add(ChatMessage.Assistant(StoredContent(reply)));
        Commit(stream, reply);
        _turnAddedMessage = false;
    }

    /// <summary>
    /// The reply as the history keeps it: as generated, unless the template puts the space the model generated
    /// itself (DeepSeek-V2 renders "Assistant:" to prompt but "Assistant: " + content in the history): then
    /// without the leading whitespace, so the next rendering continues the text the cache holds.
    /// </summary>
    private string StoredContent(string reply)
    {
        string trimmed = reply.TrimStart();
        if (trimmed.Length == reply.Length) return reply;
        string generated = _turnPrompt + reply;
        _history.Add(ChatMessage.Assistant(reply));
        try
        {
            if (Template.Render(_history, addGenerationPrompt: false).StartsWith(generated, StringComparison.Ordinal)) return reply;
            _history[^1] = ChatMessage.Assistant(trimmed);
            return Template.Render(_history, addGenerationPrompt: false).StartsWith(generated, StringComparison.Ordinal) ? trimmed : reply;
        }
        finally
        {
            _history.RemoveAt(_history.Count - 1);
        }
    }

    /// <summary>
    /// Remembers the prompt and the longest run of generated tokens whose text is exactly a prefix of the reply
    /// (a final stop token, a cut stop string and a split character left out), for the next turn's prefix.
    /// </summary>
    private void Commit(GenerationStream stream, string reply)
    {
        ReadOnlySpan<int> context = _session.Tokens;
        ReadOnlySpan<int> generated = context[^stream.Generated..];
        if (stream.FinishReason == FinishReason.StopToken) generated = generated[..^1];
        StreamingDecoder decoder = _model.Tokenizer.CreateStreamingDecoder(stream.Options.RenderSpecial);
        Span<char> piece = new char[decoder.MaxCharsPerToken];
        int chars = 0, keptTokens = 0, keptChars = 0;
        for (int i = 0; i < generated.Length; i++)
        {
            chars += decoder.Append(generated[i], piece);
            if (chars > reply.Length) break;
            if (decoder.HeldBytes == 0) (keptTokens, keptChars) = (i + 1, chars);
        }
        _committedText = _turnPrompt + reply[..keptChars];
        _committedTokens = [.. _turnTokens!, .. generated[..keptTokens]];
    }

    private void ThrowIfBusy()
    {
        if (_session.IsGenerating) throw new InvalidOperationException("a reply is being generated: finish or dispose its stream first");
    }

    public void Dispose() => _session.Dispose();
}
