namespace NativeInfer.Tensors;

/// <summary>The scalar activations the managed operators and the demo model share (one definition each).</summary>
public static class Activations
{
    /// <summary>silu(x) = x·σ(x) = x / (1 + e^−x): the gate of SwiGLU feed-forward blocks.</summary>
    public static float Silu(float x) => x / (1f + MathF.Exp(-x));

    /// <summary>σ(x) = 1 / (1 + e^−x): sigmoid routers and Qwen2-MoE's shared-expert gate.</summary>
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
