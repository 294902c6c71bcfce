using NativeInfer.Runtime;

namespace NativeInfer.Generation.Sampling;

/// <summary>
/// How the next token is chosen from the logits. The defaults are llama.cpp's (<c>common_params_sampling</c>).
/// The steps run in a fixed order — user logits processors, penalties, then (unless greedy) top-k,
/// top-p, min-p, temperature, softmax and a seeded draw; docs/generation.md gives every formula.
/// Immutable; <see cref="Validate"/> names the first bad value.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Llama.cpp's defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties).</summary>
    public static SamplingOptions Default { get; } = new();

    /// <summary>Always the most likely token (after penalties and logits processors); no randomness.</summary>
    public static SamplingOptions Greedy { get; } = new() { Temperature = 0 };

    /// <summary>Logits are divided by it before the draw; ≤ 0 means greedy (argmax, lowest id on ties). Default 0.8.</summary>
    public float Temperature { get; init; } = 0.8f;

    /// <summary>Keep the K highest logits; 0 = off. Default 40.</summary>
    public int TopK { get; init; } = 40;

    /// <summary>Keep the smallest set of most likely tokens whose probability sums to at least P; 1 = off. Default 0.95.</summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Keep tokens whose probability is at least MinP × the top probability; 0 = off. Default 0.05.</summary>
    public float MinP { get; init; } = 0.05f;

    /// <summary>Divides positive (multiplies non-positive) logits of tokens seen in the last <see cref="PenaltyLastN"/>; 1 = off. Default 1.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>Subtracted once per occurrence in the last <see cref="PenaltyLastN"/> tokens; 0 = off. Default 0.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Subtracted once from every token that occurs in the last <see cref="PenaltyLastN"/> tokens; 0 = off. Default 0.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>How many of the latest context tokens (prompt included) the penalties look at; 0 = none, -1 = the whole context. Default 64.</summary>
    public int PenaltyLastN { get; init; } = 64;

    /// <summary>Seed of the draw (xoshiro256** seeded through SplitMix64); null = a fresh random seed per generation, reported in the result.</summary>
    public ulong? Seed { get; init; }

    /// <summary>True when the temperature makes sampling greedy.</summary>
    public bool IsGreedy => Temperature <= 0;

    /// <summary>True when any of the three penalties is active.</summary>
    public bool HasPenalties => PenaltyLastN != 0 && (RepetitionPenalty != 1f || FrequencyPenalty != 0f || PresencePenalty != 0f);

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first invalid value.</summary>
    public SamplingOptions Validate()
    {
        const string T = nameof(SamplingOptions);
        if (!float.IsFinite(Temperature)) throw new InvalidOptionException($"{T}.{nameof(Temperature)}", Temperature, "must be a finite number (≤ 0 = greedy)");
        if (TopK < 0) throw new InvalidOptionException($"{T}.{nameof(TopK)}", TopK, "must be ≥ 0 (0 = off)");
        if (!(TopP > 0 && TopP <= 1)) throw new InvalidOptionException($"{T}.{nameof(TopP)}", TopP, "must be in (0, 1] (1 = off)");
        if (!(MinP >= 0 && MinP <= 1)) throw new InvalidOptionException($"{T}.{nameof(MinP)}", MinP, "must be in [0, 1] (0 = off)");
        if (!(RepetitionPenalty > 0) || !float.IsFinite(RepetitionPenalty))
            throw new InvalidOptionException($"{T}.{nameof(RepetitionPenalty)}", RepetitionPenalty, "must be a finite number > 0 (1 = off)");
        if (!float.IsFinite(FrequencyPenalty)) throw new InvalidOptionException($"{T}.{nameof(FrequencyPenalty)}", FrequencyPenalty, "must be a finite number (0 = off)");
        if (!float.IsFinite(PresencePenalty)) throw new InvalidOptionException($"{T}.{nameof(PresencePenalty)}", PresencePenalty, "must be a finite number (0 = off)");
        if (PenaltyLastN < -1) throw new InvalidOptionException($"{T}.{nameof(PenaltyLastN)}", PenaltyLastN, "must be ≥ -1 (-1 = whole context, 0 = off)");
        return this;
    }
}
