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
    /// <summary>A KTransformers-style rule file deciding operators and devices; null = built-in CPU operators. Default null.</summary>
    public string? RulesPath { get; init; }

    /// <summary>Rules given directly (take precedence over <see cref="RulesPath"/>). Default null.</summary>
    public IReadOnlyList<InjectionRule>? Rules { get; init; }

    /// <summary>Device of modules no rule places. Default cpu.</summary>
    public Device DefaultDevice { get; init; } = Device.Cpu;

    /// <summary>Run modules a rule puts on a GPU on the CPU when no GPU is available, instead of failing. Default false.</summary>
    public bool FallbackToCpu { get; init; }

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
        if (RulesPath is not null && Rules is null)
        {
            if (RulesPath.Length == 0) throw new InvalidOptionException($"{T}.{nameof(RulesPath)}", RulesPath, "must not be empty (null = no rules)");
            if (!File.Exists(RulesPath)) throw new InvalidOptionException($"{T}.{nameof(RulesPath)}", RulesPath, "file not found");
        }
        if (!Enum.IsDefined(DefaultDevice.Kind) || DefaultDevice.Index < 0)
            throw new InvalidOptionException($"{T}.{nameof(DefaultDevice)}", DefaultDevice, "must be cpu or cuda:N with N ≥ 0");
        if (Session is null) throw new InvalidOptionException($"{T}.{nameof(Session)}", null, "must not be null");
        Session.Validate();
        if (Generation is null) throw new InvalidOptionException($"{T}.{nameof(Generation)}", null, "must not be null");
        Generation.Validate();
        return this;
    }

    /// <summary>The runtime-level load options these stand for (for tools that drive an <see cref="InferenceModel"/> directly).</summary>
    public ModelOptions ToModelOptions() => new()
    {
        RulesPath = RulesPath,
        Rules = Rules,
        Injection = new InjectionOptions { DefaultDevice = DefaultDevice, FallbackToCpu = FallbackToCpu },
    };
}
