namespace NativeInfer.Tokenization;

/// <summary>
/// The token table: text, type and score per id, and the reverse lookup from text to id (also by
/// span, so encoders look up slices of their buffers without creating strings).
/// </summary>
internal sealed class Vocabulary
{
    private readonly Dictionary<string, int> _idOfText;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idOfSpan;

    /// <param name="texts">Token strings; empty ones are renamed "[EMPTY_i]" as llama.cpp does.</param>
    /// <exception cref="ArgumentException">Two ids share a text (the message names both).</exception>
    public Vocabulary(string[] texts, TokenType[] types, float[] scores)
    {
        Texts = texts;
        Types = types;
        Scores = scores;
        _idOfText = new Dictionary<string, int>(texts.Length, StringComparer.Ordinal);
        for (int id = 0; id < texts.Length; id++)
        {
            if (texts[id].Length == 0) texts[id] = $"[EMPTY_{id}]";
            if (!_idOfText.TryAdd(texts[id], id))
                throw new ArgumentException($"duplicate token '{texts[id]}' has ids {_idOfText[texts[id]]} and {id}");
        }
        _idOfSpan = _idOfText.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => Texts.Length;

    public string[] Texts { get; }

    public TokenType[] Types { get; }

    public float[] Scores { get; }

    public bool TryGetId(ReadOnlySpan<char> text, out int id) => _idOfSpan.TryGetValue(text, out id);

    public int IdOrMinusOne(ReadOnlySpan<char> text) => _idOfSpan.TryGetValue(text, out int id) ? id : -1;
}
