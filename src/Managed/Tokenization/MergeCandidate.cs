namespace NativeInfer.Tokenization;

/// <summary>
/// A pair of adjacent symbols that could merge. <see cref="Key"/> orders the queue: priority in the
/// high 32 bits (BPE rank, or SentencePiece score mapped to descending order), the left symbol's
/// index in the low 32 bits, so equal priorities resolve leftmost first as llama.cpp does.
/// </summary>
internal readonly record struct MergeCandidate(ulong Key, int Right, int Size, int Merged)
{
    public int Left => (int)(uint)Key;
}
