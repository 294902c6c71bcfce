namespace NativeInfer.Tokenization;

/// <summary>The small vocabulary llama.cpp's hand-written scanners are written in, shared by <see cref="Gpt2Split"/> and <see cref="Llama3Split"/>.</summary>
internal static class CodepointScan
{
    /// <summary>Class of the codepoint at <paramref name="i"/>, or None past the piece's end (llama.cpp's OUT_OF_RANGE).</summary>
    public static CodepointClass At(ReadOnlySpan<int> cps, int i) => (uint)i < (uint)cps.Length ? UnicodeTables.Of(cps[i]) : CodepointClass.None;

    public static bool Has(CodepointClass flags, CodepointClass bit) => (flags & bit) != 0;

    /// <summary>[^\s\p{L}\p{N}] for a codepoint inside the piece.</summary>
    public static bool IsOther(CodepointClass flags) =>
        flags != CodepointClass.None && (flags & (CodepointClass.Whitespace | CodepointClass.Letter | CodepointClass.Number)) == 0;

    /// <summary>Ends a piece at <paramref name="end"/> (nothing if empty) and moves <paramref name="last"/> there.</summary>
    public static void Emit(ref int last, int end, GrowableBuffer<int> output)
    {
        if (end > last) output.Add(end - last);
        last = end;
    }
}
