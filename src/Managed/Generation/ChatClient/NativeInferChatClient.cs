using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using NativeInfer.Generation.Chat;
using NativeInfer.Generation.Diagnostics;

namespace NativeInfer.Generation.ChatClient;

/// <summary>
/// A <see cref="LanguageModel"/> as a Microsoft.Extensions.AI <see cref="IChatClient"/>. Thread-safe: each request
/// takes a session from a pool (at most <see cref="NativeInferChatClientOptions.MaxConcurrentRequests"/>; others
/// wait), preferring the idle session whose cache shares the longest prefix with the new prompt, so a
/// conversation that comes back with one more message evaluates only the new tokens.
/// </summary>
/// <remarks>
/// Mapping: see <see cref="ChatOptionsMapper"/>. Tools and response formats are not supported: Tools are
/// ignored (with a warning in the log), as are non-text contents of messages. Usage reports input tokens
/// (the whole rendered prompt), cached input tokens (reused from the cache), output tokens (sampled,
/// stop token included). Generation runs on the calling thread (each MoveNext is one synchronous step).
/// </remarks>
public sealed class NativeInferChatClient : IChatClient
{
    private readonly LanguageModel _model;
    private readonly NativeInferChatClientOptions _options;
    private readonly NativeInfer.Chat.IChatTemplate _template;
    private readonly GenerationSessionOptions _sessionOptions;
    private readonly bool _dropTurns;
    private readonly SemaphoreSlim _slots;
    private readonly List<GenerationSession> _idle = [];
    private readonly ChatClientMetadata _metadata;
    private int _capacity;
    private bool _disposed;

    public NativeInferChatClient(LanguageModel model, NativeInferChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _options = (options ?? new NativeInferChatClientOptions()).Validate();
        _template = NativeInfer.Chat.ChatTemplates.WithThinking(_options.Template ?? model.ChatTemplate, _options.EnableThinking);
        GenerationSessionOptions session = _options.Session ?? model.Options.Session;
        _dropTurns = session.OverflowPolicy == ContextOverflowPolicy.TruncateOldest;
        _sessionOptions = _dropTurns ? session with { OverflowPolicy = ContextOverflowPolicy.StopGeneration } : session;
        _slots = new SemaphoreSlim(_options.MaxConcurrentRequests, _options.MaxConcurrentRequests);
        _metadata = new ChatClientMetadata("NativeInfer", null, model.Name);
    }

    public LanguageModel Model => _model;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
                                                     CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        ChatResponseUpdate? last = null;
        await foreach (ChatResponseUpdate update in GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            text.Append(update.Text);
            last = update;
        }
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()) { MessageId = last?.MessageId })
        {
            ResponseId = last?.ResponseId, ModelId = _model.Name, CreatedAt = last?.CreatedAt, FinishReason = last?.FinishReason,
            Usage = last?.Contents.OfType<UsageContent>().FirstOrDefault()?.Details,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
                                                                                [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        GenerationOptions generation = ChatOptionsMapper.ToGenerationOptions(options, _options.Generation ?? _model.Options.Generation);
        if (options?.Tools is { Count: > 0 }) GenerationLog.ToolsIgnored(_model.Logger);
        List<NativeInfer.Chat.ChatMessage> turns = ChatOptionsMapper.ToTurns(messages, options?.Instructions);
        NativeInfer.Chat.IChatTemplate template = NativeInfer.Chat.ChatTemplates.WithThinking(_template, ChatOptionsMapper.ThinkingOf(options));

        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        GenerationSession? session = null;
        try
        {
            int capacity = Capacity();
            var (_, tokens, dropped) = ChatPromptBuilder.Build(template, _model.Tokenizer, turns, capacity,
                                                               ChatPromptBuilder.Reserve(capacity, generation.MaxTokens), _dropTurns);
            if (dropped > 0) GenerationLog.TurnsDropped(_model.Logger, capacity, dropped);
            session = Rent(tokens);
            int cached = session.SetContext(tokens);
            string responseId = Guid.NewGuid().ToString("N");
            DateTimeOffset created = DateTimeOffset.UtcNow;
            using GenerationStream stream = session.ContinueChat(generation, tokens.Length, observer: null, cancellationToken);
            foreach (GeneratedToken token in stream)
            {
                if (token.Text.IsEmpty && !token.IsLast) continue;
                var update = new ChatResponseUpdate(ChatRole.Assistant, token.Text.ToString())
                {
                    ResponseId = responseId, MessageId = responseId, ModelId = _model.Name, CreatedAt = created,
                };
                if (token.IsLast)
                {
                    update.FinishReason = ChatOptionsMapper.ToChatFinishReason(token.FinishReason);
                    update.Contents.Add(new UsageContent(new UsageDetails
                    {
                        InputTokenCount = tokens.Length, CachedInputTokenCount = cached, OutputTokenCount = stream.Generated,
                        TotalTokenCount = tokens.Length + stream.Generated,
                    }));
                }
                yield return update;
            }
        }
        finally
        {
            if (session is not null) Return(session);
            _slots.Release();
        }
    }

    /// <summary>The context length of the pooled sessions (known once the first exists).</summary>
    private int Capacity()
    {
        if (_capacity == 0)
        {
            GenerationSession first = _model.CreateSession(_sessionOptions);
            _capacity = first.Capacity;
            Return(first);
        }
        return _capacity;
    }

    /// <summary>The idle session whose context shares the longest prefix with <paramref name="tokens"/>, or a new one.</summary>
    private GenerationSession Rent(int[] tokens)
    {
        lock (_idle)
        {
            int best = -1, bestLength = -1;
            for (int i = 0; i < _idle.Count; i++)
            {
                int common = tokens.AsSpan().CommonPrefixLength(_idle[i].Tokens[.._idle[i].CachedCount]);
                if (common > bestLength) (best, bestLength) = (i, common);
            }
            if (best >= 0)
            {
                GenerationSession s = _idle[best];
                _idle.RemoveAt(best);
                return s;
            }
        }
        return _model.CreateSession(_sessionOptions);
    }

    private void Return(GenerationSession session)
    {
        lock (_idle)
        {
            if (!_disposed)
            {
                _idle.Add(session);
                return;
            }
        }
        session.Dispose();
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType == typeof(LanguageModel)) return _model;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Closes the pooled sessions (those serving a request close when it ends). The model stays loaded: it is not the client's.</summary>
    public void Dispose()
    {
        List<GenerationSession> idle;
        lock (_idle)
        {
            if (_disposed) return;
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }
        foreach (GenerationSession s in idle) s.Dispose();
    }
}
