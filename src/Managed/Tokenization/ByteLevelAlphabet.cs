namespace NativeInfer.Tokenization;

/// <summary>
/// GPT-2's byte-to-character table: byte-level BPE vocabularies spell every byte as one printable
/// character. Bytes that are printable Latin-1 (!..~, ¡..¬, ®..ÿ) stand for themselves; the other 68
/// map, in byte order, to U+0100, U+0101, … (so a space is 'Ġ' U+0120 and a newline 'Ċ' U+010A).
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>The character that spells each byte.</summary>
    public static readonly char[] CharOfByte = BuildCharOfByte();

    /// <summary>The byte each character spells, or -1 for characters outside the alphabet (indexed by char, 0..0x143).</summary>
    private static readonly short[] ByteOfChar = BuildByteOfChar();

    public static bool TryGetByte(int codepoint, out byte value)
    {
        if ((uint)codepoint < (uint)ByteOfChar.Length && ByteOfChar[codepoint] >= 0)
        {
            value = (byte)ByteOfChar[codepoint];
            return true;
        }
        value = 0;
        return false;
    }

    private static bool StandsForItself(int b) => b is (>= 0x21 and <= 0x7E) or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);

    private static char[] BuildCharOfByte()
    {
        var chars = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) chars[b] = StandsForItself(b) ? (char)b : (char)next++;
        return chars;
    }

    private static short[] BuildByteOfChar()
    {
        var bytes = new short[256 + 68];
        Array.Fill(bytes, (short)-1);
        for (int b = 0; b < 256; b++) bytes[CharOfByte[b]] = (short)b;
        return bytes;
    }
}
