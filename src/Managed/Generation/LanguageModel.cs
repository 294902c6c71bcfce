using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NativeInfer.Chat;
using NativeInfer.Config;
using NativeInfer.Generation.Chat;
using NativeInfer.Generation.ChatClient;
using NativeInfer.Generation.Diagnostics;
using NativeInfer.Runtime;
using NativeInfer.Tensors;
using NativeInfer.Tokenization;

namespace NativeInfer.Generation;

/// <summary>
/// Load once, serve many: a GGUF model with its tokenizer, ready to create sessions. Immutable and
/// thread-safe — create sessions from any thread, run them concurrently; each owns its KV cache, sampler
/// and kernel threads. Register one per model as a singleton in a service.
/// </summary>
/// <example><code>
/// using var model = LanguageModel.Load("model.gguf", new LanguageModelOptions { Session = new() { Threads = 8 } });
/// using GenerationSession session = model.CreateSession();
/// await foreach (GeneratedToken t in session.GenerateAsync("Once upon a time", new GenerationOptions { MaxTokens = 64 }))
///     Console.Write(t.Text.Span);
/// </code></example>
public sealed class LanguageModel : IDisposable
{
    private readonly object _gate = new();
    private int _openSessions, _nextSessionId;
    private bool _disposeRequested, _unloaded;
    private readonly IChatTemplate? _chatTemplate;
    private readonly ChatTemplateException? _chatTemplateError;

    private LanguageModel(InferenceModel model, Tokenizer tokenizer, LanguageModelOptions options, string name)
    {
        if (tokenizer.VocabSize > model.Config.VocabSize)
            throw new ModelLoadException($"{name}: the tokenizer has {tokenizer.VocabSize} tokens but the model only {model.Config.VocabSize} logits");
        Model = model;
        Tokenizer = tokenizer;
        Options = options;
        Name = name;
        Logger = options.LoggerFactory?.CreateLogger("NativeInfer.Generation") ?? NullLogger.Instance;
        Metrics = new GenerationMetrics(options.MeterFactory, name);
        // Resolved once, but a model without a known template still generates: only chat needs one.
        try
        {
            _chatTemplate = ChatTemplates.FromMetadata(model.File.Metadata, options.ChatTemplate);
        }
        catch (ChatTemplateException e)
        {
            _chatTemplateError = e;
        }
    }

    /// <summary>Maps the GGUF file, builds and binds the model (see <see cref="InferenceModel.Load(string, ModelOptions?)"/>) and reads its tokenizer.</summary>
    /// <exception cref="InvalidOptionException">An option is invalid.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="ModelLoadException">The model cannot be built (also GGUF, config, rule and tokenizer exceptions).</exception>
    /// <param name="cancellationToken">Stops a preload (<see cref="ModelOptions.Memory"/>) between pieces.</param>
    /// <exception cref="OperationCanceledException">The preload was cancelled; nothing stays mapped.</exception>
    public static LanguageModel Load(string path, LanguageModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options = (options ?? new LanguageModelOptions()).Validate();
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        long start = Stopwatch.GetTimestamp();
        InferenceModel model = InferenceModel.Load(path, options.Model, cancellationToken);
        try
        {
            Tokenizer tokenizer = Tokenizer.FromGguf(model.File);
            string name = model.File.Metadata.TryGetString("general.name", out string n) && n.Length > 0 ? n : Path.GetFileNameWithoutExtension(path);
            var result = new LanguageModel(model, tokenizer, options, name);
            GenerationLog.ModelLoaded(result.Logger, name, path, Stopwatch.GetElapsedTime(start).TotalMilliseconds, model.Config.Architecture,
                                      model.Config.NumLayers, model.Config.VocabSize, model.DecodeBytesPerToken / 1e6);
            return result;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Wraps a model loaded by other means (own <see cref="ModelOptions"/>) and a tokenizer; takes ownership of <paramref name="model"/>.</summary>
    public static LanguageModel Create(InferenceModel model, Tokenizer tokenizer, LanguageModelOptions? options = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        options = (options ?? new LanguageModelOptions()).Validate();
        return new LanguageModel(model, tokenizer, options, name ?? model.Config.Architecture);
    }

    /// <summary>The bound model (config, operators, the mapped file).</summary>
    public InferenceModel Model { get; }

    public Tokenizer Tokenizer { get; }

    public ModelConfig Config => Model.Config;

    public LanguageModelOptions Options { get; }

    /// <summary><c>general.name</c> from the file, else its file name; the meter's "nativeinfer.model" tag and the chat client's model id.</summary>
    public string Name { get; }

    /// <summary>
    /// The chat template chat sessions and the chat client render with: <see cref="LanguageModelOptions.ChatTemplate"/>'s
    /// override, else the family detected from the file's <c>tokenizer.chat_template</c>.
    /// </summary>
    /// <exception cref="ChatTemplateException">The file has no template or one no supported family matches, and no override was given.</exception>
    public IChatTemplate ChatTemplate => _chatTemplate ?? throw new ChatTemplateException(
        _chatTemplateError!.Message, _chatTemplateError.Source, _chatTemplateError.TemplateExcerpt, _chatTemplateError.FamilyName);

    /// <summary>The "NativeInfer" meter and its instruments for this model.</summary>
    public GenerationMetrics Metrics { get; }

    internal ILogger Logger { get; }

    /// <summary>A session with its own KV cache (<paramref name="options"/> null = <see cref="LanguageModelOptions.Session"/>).</summary>
    public GenerationSession CreateSession(GenerationSessionOptions? options = null)
    {
        options = (options ?? Options.Session).Validate();
        int id;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposeRequested, this);
            id = ++_nextSessionId;
            _openSessions++;
        }
        try
        {
            var session = new GenerationSession(this, options, id);
            Metrics.Sessions.Add(1);
            GenerationLog.SessionCreated(Logger, id, session.Capacity, options.KvCacheType, session.Inference.Pool.ThreadCount, options.OverflowPolicy);
            return session;
        }
        catch
        {
            ReleaseSession();
            throw;
        }
    }

    /// <summary>
    /// A multi-turn chat over a new session (<paramref name="options"/> null = defaults; the template from the options, else
    /// <see cref="ChatTemplate"/>, with <see cref="ChatSessionOptions.EnableThinking"/> applied).
    /// </summary>
    /// <exception cref="ChatTemplateException">No template is given and the model's is unknown, or a thinking switch is asked of a template without one.</exception>
    public ChatSession CreateChatSession(ChatSessionOptions? options = null)
    {
        options = (options ?? new ChatSessionOptions()).Validate();
        return new ChatSession(this, ChatTemplates.WithThinking(options.Template ?? ChatTemplate, options.EnableThinking), options);
    }

    /// <summary>This model as a Microsoft.Extensions.AI <c>IChatClient</c> (thread-safe; pools sessions).</summary>
    public NativeInferChatClient AsChatClient(NativeInferChatClientOptions? options = null) => new(this, options);

    internal void SessionClosed(GenerationSession session)
    {
        Metrics.Sessions.Add(-1);
        GenerationLog.SessionClosed(Logger, session.Id);
        ReleaseSession();
    }

    private void ReleaseSession()
    {
        bool unload;
        lock (_gate)
        {
            _openSessions--;
            unload = _disposeRequested && _openSessions == 0 && !_unloaded;
            if (unload) _unloaded = true;
        }
        if (unload) Unload();
    }

    /// <summary>
    /// Releases the model. Sessions still open keep it mapped until the last of them is disposed, so a
    /// shutdown never pulls the weights from under a running generation; no new session can be created.
    /// </summary>
    public void Dispose()
    {
        bool unload;
        lock (_gate)
        {
            if (_disposeRequested) return;
            _disposeRequested = true;
            unload = _openSessions == 0 && !_unloaded;
            if (unload) _unloaded = true;
        }
        if (unload) Unload();
    }

    private void Unload()
    {
        Model.Dispose();
        Metrics.Dispose();
        GenerationLog.ModelUnloaded(Logger, Name);
    }
}
