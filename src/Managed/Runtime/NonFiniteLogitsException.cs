namespace NativeInfer.Runtime;

/// <summary>
/// A forward pass produced a NaN or infinite logit: the weights (or an operator) are broken, and sampling
/// from such logits would be garbage. Thrown by <see cref="InferenceSession"/> after the pass, which leaves
/// the session as it was before the call.
/// </summary>
public sealed class NonFiniteLogitsException : Exception
{
    /// <summary>The pass ran on a GPU backend, which does not check the hidden state between layers.</summary>
    internal const int UnknownStage = int.MinValue + 1;

    internal NonFiniteLogitsException(int position, int token, int firstNonFiniteStage, int layers, float value)
        : base($"non-finite logits ({Describe(value)}) at position {position} (token {token}): {Where(firstNonFiniteStage, layers)}; " +
               "check the weights with `nativeinfer check MODEL --scan-weights`")
    {
        Position = position;
        Token = token;
        Layer = firstNonFiniteStage is >= 0 && firstNonFiniteStage < layers ? firstNonFiniteStage : null;
        Stage = firstNonFiniteStage is Operators.ForwardContext.AllFinite or UnknownStage ? null : firstNonFiniteStage;
    }

    /// <summary>The position (0-based, in the session) whose logits are not finite.</summary>
    public int Position { get; }

    /// <summary>The token fed at that position.</summary>
    public int Token { get; }

    /// <summary>The first decoder layer whose output went non-finite, when one did (null: the embedding, the final norm or the head).</summary>
    public int? Layer { get; }

    /// <summary>−1 the embedding, 0…L−1 a layer, L the final norm; null when the hidden state stayed finite (the head made the NaN) or a GPU backend ran the pass.</summary>
    public int? Stage { get; }

    private static string Describe(float v) => float.IsNaN(v) ? "NaN" : v > 0 ? "+infinity" : "-infinity";

    private static string Where(int stage, int layers) => stage switch
    {
        Operators.ForwardContext.AllFinite => "the hidden state stayed finite, so the output head (lm_head / output.weight) produced it",
        UnknownStage => "the pass ran on the GPU, which does not check the hidden state between layers (run the CPU rules to find the layer)",
        -1 => "the token embedding is already non-finite",
        _ when stage == layers => "the final norm (output_norm) made the hidden state non-finite",
        _ => $"the hidden state first went non-finite in layer {stage} (model.layers.{stage})",
    };
}
