using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using NativeInfer.Chat;
using NativeInfer.Generation.Chat;
using NativeInfer.Injection;
using NativeInfer.Runtime;
using NativeInfer.Tensors;

namespace NativeInfer.Generation;

/// <summary>How a <see cref="LanguageModel"/> is loaded and the defaults its sessions and calls get. Immutable; <see cref="Validate"/> names the first bad value.</summary>
public sealed record LanguageModelOptions
{
    /// <summary>
    /// How the model is loaded — rules, the default device and CPU fallback, config builders, module map: the
    /// runtime's own options, so whatever <c>check</c> or an <see cref="InferenceModel"/> honours, generation does too.
    /// Default: built-in CPU operators, built-in builders and module map.
    /// </summary>
    public ModelOptions Model { get; init; } = new();

    /// <summary>Settings of sessions created without their own. Default: see <see cref="GenerationSessionOptions"/>.</summary>
    public GenerationSessionOptions Session { get; init; } = new();

    /// <summary>Settings of generation calls that pass none. Default <see cref="GenerationOptions.Default"/>.</summary>
    public GenerationOptions Generation { get; init; } = GenerationOptions.Default;

    /// <summary>
    /// Which chat template chat sessions and the IChatClient use (<see cref="LanguageModel.ChatTemplate"/>): a
    /// template object, a family name, or BOS/EOS texts; null = detect it from the GGUF's
    /// <c>tokenizer.chat_template</c>. Default null.
    /// </summary>
    public ChatTemplateOptions? ChatTemplate { get; init; }

    /// <summary>Where logs go (load at Information, sessions at Debug, a summary per generation at Information, tokens at Trace). Default none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Creates the "NativeInfer" meter (dependency injection); null = the model creates and owns one. Default null.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first invalid value (nested options included).</summary>
    public LanguageModelOptions Validate()
    {
        const string T = nameof(LanguageModelOptions);
        if (Model is null) throw new InvalidOptionException($"{T}.{nameof(Model)}", null, "must not be null");
        Model.Validate();
        if (Session is null) throw new InvalidOptionException($"{T}.{nameof(Session)}", null, "must not be null");
        Session.Validate();
        if (Generation is null) throw new InvalidOptionException($"{T}.{nameof(Generation)}", null, "must not be null");
        Generation.Validate();
        return this;
    }
}
