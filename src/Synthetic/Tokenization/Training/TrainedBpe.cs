namespace NativeInfer.Tokenization.Training;

/// <summary>
/// What <see cref="ByteLevelBpeTrainer"/> learned: the ordinary tokens, spelled in GPT-2's byte alphabet
/// (ids 0–255 the single bytes in byte order, then the merged tokens in the order they were made), and
/// the merges as <c>tokenizer.ggml.merges</c> lines ("left right", rank = position).
/// </summary>
internal sealed record TrainedBpe(IReadOnlyList<string> Tokens, IReadOnlyList<string> Merges);
