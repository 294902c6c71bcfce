using LLama;
using LLama.Common;
using LLama.Native;

namespace NativeInfer.Tests.Oracles;

/// <summary>
/// llama.cpp of 2026 (LLamaSharp 0.30's CPU backend) as a second, independent computation of a GGUF file:
/// the given tokens with logits at every position — the first <c>prefill</c> of them as one batch, the rest
/// one token per call — with an F32 KV cache, so it compares tightly with a float32 implementation.
/// </summary>
internal static class LlamaCppOracle
{
    static LlamaCppOracle() => NativeLibraryConfig.All.WithLogCallback((level, message) => { });

    public static float[][] Logits(string path, IReadOnlyList<int> tokens, int prefill)
    {
        var p = new ModelParams(path)
        {
            ContextSize = (uint)Math.Max(64, tokens.Count), Threads = 2, BatchThreads = 2, GpuLayerCount = 0,
            TypeK = GGMLType.GGML_TYPE_F32, TypeV = GGMLType.GGML_TYPE_F32, BatchSize = 512, UBatchSize = 512, FlashAttention = false,
        };
        using LLamaWeights weights = LLamaWeights.LoadFromFile(p);
        using LLamaContext context = weights.CreateContext(p);
        int vocab = weights.Vocab.Count;
        var rows = new List<float[]>();
        var batch = new LLamaBatch();
        for (int i = 0; i < prefill; i++) batch.Add(tokens[i], i, LLamaSeqId.Zero, true);
        Decode(context, batch);
        for (int i = 0; i < prefill; i++) rows.Add(context.NativeHandle.GetLogitsIth(i)[..vocab].ToArray());
        for (int i = prefill; i < tokens.Count; i++)
        {
            batch.Clear();
            batch.Add(tokens[i], i, LLamaSeqId.Zero, true);
            Decode(context, batch);
            rows.Add(context.NativeHandle.GetLogitsIth(0)[..vocab].ToArray());
        }
        return [.. rows];
    }

    private static void Decode(LLamaContext context, LLamaBatch batch)
    {
        DecodeResult r = context.NativeHandle.Decode(batch);
        if (r != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode: {r}");
    }
}
