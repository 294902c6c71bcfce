using NativeInfer.Generation.Sampling;
using NativeInfer.Runtime;

namespace NativeInfer.Generation;

/// <summary>Settings of one generation call: sampling, when to stop, processors. Immutable; <see cref="Validate"/> names the first bad value.</summary>
public sealed record GenerationOptions
{
    /// <summary>Llama.cpp's sampling defaults, no token limit, stop at end of generation.</summary>
    public static GenerationOptions Default { get; } = new();

    public SamplingOptions Sampling { get; init; } = SamplingOptions.Default;

    /// <summary>Most tokens to generate (the stop token counts); null = until a stop or the context is full. Default null.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Texts that end the generation when the output reaches them, matched across token boundaries; not emitted. Default none.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Extra token ids that end the generation. Default none.</summary>
    public IReadOnlyList<int> StopTokens { get; init; } = [];

    /// <summary>Stop at the tokenizer's end-of-generation tokens (EOS, EOT, &lt;|im_end|&gt;, …). Default true.</summary>
    public bool StopAtEndOfGeneration { get; init; } = true;

    /// <summary>User steps on the raw logits, run in list order before the built-in ones. Default none.</summary>
    public IReadOnlyList<ILogitsProcessor> LogitsProcessors { get; init; } = [];

    /// <summary>Text prompts: map control-token texts ("&lt;|im_start|&gt;") to their ids, as llama.cpp does. Default true.</summary>
    public bool ParseSpecial { get; init; } = true;

    /// <summary>Text prompts: put BOS first; null = when the context is empty and the model wants one (<c>Tokenizer.AddBos</c>). Default null.</summary>
    public bool? AddBos { get; init; }

    /// <summary>Streamed text includes control tokens' text (other than a final stop token). Default false.</summary>
    public bool RenderSpecial { get; init; }

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first invalid value.</summary>
    public GenerationOptions Validate()
    {
        const string T = nameof(GenerationOptions);
        if (Sampling is null) throw new InvalidOptionException($"{T}.{nameof(Sampling)}", null, "must not be null");
        Sampling.Validate();
        if (MaxTokens is <= 0) throw new InvalidOptionException($"{T}.{nameof(MaxTokens)}", MaxTokens, "must be > 0, or null for no limit");
        if (StopStrings is null) throw new InvalidOptionException($"{T}.{nameof(StopStrings)}", null, "must not be null (use an empty list)");
        for (int i = 0; i < StopStrings.Count; i++)
            if (string.IsNullOrEmpty(StopStrings[i]))
                throw new InvalidOptionException($"{T}.{nameof(StopStrings)}[{i}]", StopStrings[i], "a stop string must not be null or empty");
        if (StopTokens is null) throw new InvalidOptionException($"{T}.{nameof(StopTokens)}", null, "must not be null (use an empty list)");
        for (int i = 0; i < StopTokens.Count; i++)
            if (StopTokens[i] < 0) throw new InvalidOptionException($"{T}.{nameof(StopTokens)}[{i}]", StopTokens[i], "a token id must be ≥ 0");
        if (LogitsProcessors is null) throw new InvalidOptionException($"{T}.{nameof(LogitsProcessors)}", null, "must not be null (use an empty list)");
        for (int i = 0; i < LogitsProcessors.Count; i++)
            if (LogitsProcessors[i] is null) throw new InvalidOptionException($"{T}.{nameof(LogitsProcessors)}[{i}]", null, "must not be null");
        return this;
    }
}
