namespace NativeInfer.Tokenization;

/// <summary>The special token ids a vocabulary declares (-1 for none).</summary>
internal sealed record TokenizerSpecialIds(int Bos, int Eos, int Unknown, int Padding, HashSet<int> EndOfGeneration);
