using System.Text;

namespace NativeInfer.Bench.Tokenization;

/// <summary>
/// A deterministic mixed text for tokenizer throughput: English prose, source code, numbers, CJK,
/// Cyrillic and Greek, emoji (ZWJ sequences and skin tones included) and runs of whitespace, in
/// random order from a fixed seed, so every run and every vocabulary encodes the same bytes.
/// </summary>
internal static class MixedCorpus
{
    private static readonly string[] Prose =
    [
        "The quick brown fox jumps over the lazy dog, and nobody seems to mind. ",
        "In 1969, humans walked on the Moon for the first time; the mission lasted eight days. ",
        "Mixture-of-experts models route each token to a few experts, which keeps compute low while the parameter count grows. ",
        "She said, \"It's not what you think — it's what you'll do next that matters.\" ",
        "Tokenizers split text into words, then merge bytes into the pieces a model was trained on. ",
    ];

    private static readonly string[] Code =
    [
        "public static int Add(int a, int b)\n{\n    return a + b;\n}\n",
        "def fibonacci(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
        "for (size_t i = 0; i < n; ++i) {\n\tacc += x[i] * w[i]; // dot product\n}\n",
        "SELECT id, name FROM users WHERE created_at > '2024-01-01' ORDER BY id DESC;\n",
        "    if (!ok) { throw new InvalidOperationException($\"failed: {code:X8}\"); }\n",
    ];

    private static readonly string[] Cjk =
    [
        "我想在苹果公司工作，因为那里的工程师很优秀。",
        "今日は天気がいいので、公園を散歩しましょう。",
        "대규모 언어 모델은 많은 데이터를 학습합니다. ",
        "混合专家模型在推理时只激活一小部分参数。",
    ];

    private static readonly string[] Other =
    [
        "Привет, мир! Как дела? ",
        "Η γρήγορη καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο. ",
        "Führer, naïve café, São Paulo, Ærøskøbing. ",
        "🚀 launch 😶‍🌫️ fog 👍🏽 ok 👩‍💻 dev 🦙 llama ✅ done ",
    ];

    private static readonly string[] Whitespace = ["\n\n", "    ", "\t\t", "   \n", " \n \n", "\r\n"];

    /// <summary>About <paramref name="utf8Bytes"/> bytes of mixed text.</summary>
    public static string Build(int utf8Bytes, int seed = 20241121)
    {
        var random = new Random(seed);
        var text = new StringBuilder(utf8Bytes);
        int bytes = 0;
        while (bytes < utf8Bytes)
        {
            string piece = random.Next(10) switch
            {
                < 4 => Prose[random.Next(Prose.Length)],
                < 6 => Code[random.Next(Code.Length)],
                6 => $"{random.Next()} {random.NextDouble() * 1e4:F3} {random.Next(1900, 2100)}-{random.Next(1, 13):00}-{random.Next(1, 29):00} ",
                7 => Cjk[random.Next(Cjk.Length)],
                8 => Other[random.Next(Other.Length)],
                _ => Whitespace[random.Next(Whitespace.Length)],
            };
            text.Append(piece);
            bytes += Encoding.UTF8.GetByteCount(piece);
        }
        return text.ToString();
    }
}
