namespace NativeInfer.Generation;

/// <summary>
/// Finds stop strings in streamed text across token boundaries. Text that could be the start of a stop
/// string is held back until the next piece shows whether it is; text before a match is released, the
/// match and everything after it are not. Reused across generations; allocates only when reconfigured.
/// </summary>
internal sealed class StopStringMatcher
{
    private string[] _stops = [];
    private int _longest;
    private char[] _buffer = [];
    private int _held;

    /// <summary>The most chars that can be held back: one less than the longest stop string.</summary>
    public int MaxHeld => Math.Max(0, _longest - 1);

    /// <summary>Chars held back as a possible stop-string start.</summary>
    public int Held => _held;

    /// <summary>Sets the stop strings for the next generation; <paramref name="maxPiece"/> is the most chars one <see cref="Feed"/> gets.</summary>
    public void Reset(IReadOnlyList<string> stops, int maxPiece)
    {
        _held = 0;
        if (!SameStops(stops))
        {
            _stops = [.. stops];
            _longest = 0;
            foreach (string s in _stops) _longest = Math.Max(_longest, s.Length);
        }
        int need = _longest + maxPiece;
        if (_buffer.Length < need) _buffer = new char[need];
    }

    /// <summary>
    /// Adds <paramref name="piece"/> and copies the text that is now final to <paramref name="output"/> (room for
    /// <see cref="Held"/> + piece.Length chars suffices). <paramref name="final"/>: no more text follows, release everything.
    /// </summary>
    /// <returns>Chars written; <paramref name="matched"/> tells whether a stop string was reached (what follows it is dropped).</returns>
    public int Feed(ReadOnlySpan<char> piece, Span<char> output, bool final, out bool matched)
    {
        matched = false;
        if (_stops.Length == 0)
        {
            piece.CopyTo(output);
            return piece.Length;
        }
        piece.CopyTo(_buffer.AsSpan(_held));
        int length = _held + piece.Length;
        ReadOnlySpan<char> text = _buffer.AsSpan(0, length);

        int match = -1;
        foreach (string stop in _stops)
        {
            int at = text.IndexOf(stop.AsSpan(), StringComparison.Ordinal);
            if (at >= 0 && (match < 0 || at < match)) match = at;
        }
        if (match >= 0)
        {
            matched = true;
            text[..match].CopyTo(output);
            _held = 0;
            return match;
        }
        int hold = final ? 0 : PossibleStart(text);
        int release = length - hold;
        text[..release].CopyTo(output);
        text[release..].CopyTo(_buffer);
        _held = hold;
        return release;
    }

    /// <summary>The longest suffix of <paramref name="text"/> that is a proper prefix of a stop string.</summary>
    private int PossibleStart(ReadOnlySpan<char> text)
    {
        for (int k = Math.Min(text.Length, _longest - 1); k > 0; k--)
        {
            ReadOnlySpan<char> tail = text[^k..];
            foreach (string stop in _stops)
                if (stop.Length > k && stop.AsSpan().StartsWith(tail, StringComparison.Ordinal)) return k;
        }
        return 0;
    }

    private bool SameStops(IReadOnlyList<string> stops)
    {
        if (stops.Count != _stops.Length) return false;
        for (int i = 0; i < _stops.Length; i++)
            if (!string.Equals(stops[i], _stops[i], StringComparison.Ordinal)) return false;
        return true;
    }
}
