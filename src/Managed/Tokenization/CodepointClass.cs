namespace NativeInfer.Tokenization;

/// <summary>
/// What a codepoint is to the pre-tokenizers: its Unicode general category folded to the seven
/// classes llama.cpp's unicode tables use (\p{N}, \p{L}, \p{Z}, \p{M}, \p{P}, \p{S}, \p{C}, with
/// unassigned codepoints counted as C), plus the White_Space property. Exactly one category bit is set.
/// </summary>
[Flags]
internal enum CodepointClass : byte
{
    None = 0,
    Number = 1 << 0,
    Letter = 1 << 1,
    Separator = 1 << 2,
    Mark = 1 << 3,
    Punctuation = 1 << 4,
    Symbol = 1 << 5,
    Control = 1 << 6,
    Whitespace = 1 << 7,
}
