using NativeInfer.Generation.Sampling;
using NativeInfer.Tokenization;

namespace NativeInfer.Generation;

/// <summary>
/// What one generation carries from step to step: its options, the draw, the text decoder and buffers, and its
/// counts. Filled by <see cref="GenerationSession.StartGeneration"/> and advanced by <see cref="GenerationSession.Step"/>;
/// its <see cref="GenerationStream"/> holds it (a struct: no allocation beyond the stream's) and only enumerates.
/// </summary>
internal struct GenerationRun
{
    public GenerationOptions Options;
    public ILogitsProcessor[] Processors;
    public int[] StopTokens;
    public Xoshiro256StarStar Random;
    public StreamingDecoder Decoder;
    public char[] PieceBuffer, TextBuffer;   // the session's, reused across generations

    /// <summary>Context length before the prompt was appended (restored when the first step fails).</summary>
    public int ContextBefore;

    public int PromptTokens, CachedTokens, EvaluatedTokens, Generated;
    public ulong Seed;
}
