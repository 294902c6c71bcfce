using System.Numerics.Tensors;
using System.Text.RegularExpressions;
using NativeInfer.Chat;
using NativeInfer.Gguf;
using NativeInfer.Models.Synthetic.Demo;
using NativeInfer.Runtime;
using NativeInfer.Tests.Support;
using NativeInfer.Tokenization;
using static NativeInfer.Tests.Support.Cli;

namespace NativeInfer.Tests.Cli;

/// <summary>
/// `nativeinfer generate`, `chat`, `bench` and the default demo end to end through Program.Run. Greedy output
/// is checked against a greedy loop written here directly over InferenceSession (argmax, then the tokenizer's
/// decode), not against the generation layer the commands use; errors are one line with the documented code.
/// </summary>
[NonParallelizable]
public class GenerationCommandTests
{
    private string _cache = "";
    private string? _previousCache;

    [OneTimeSetUp]
    public void UseATestCache()
    {
        _previousCache = Environment.GetEnvironmentVariable("NATIVEINFER_CACHE");
        _cache = Directory.CreateTempSubdirectory("ni-cli-cache-").FullName;
        Environment.SetEnvironmentVariable("NATIVEINFER_CACHE", _cache);
    }

    [OneTimeTearDown]
    public void RestoreTheCache()
    {
        Environment.SetEnvironmentVariable("NATIVEINFER_CACHE", _previousCache);
        Directory.Delete(_cache, recursive: true);
    }

    private string DemoPath => DemoModel.EnsureWritten(_cache);

    /// <summary>Greedy continuation of <paramref name="prompt"/> token ids, decoded: the independent reference.</summary>
    private static string Greedy(string path, int[] prompt, int steps)
    {
        using InferenceModel model = InferenceModel.Load(path);
        using InferenceSession session = model.CreateSession(new SessionOptions { Threads = 1, ContextLength = prompt.Length + steps + 1 });
        Tokenizer tokenizer = Tokenizer.FromGguf(model.File);
        var logits = new float[session.VocabSize];
        session.Forward(prompt, logits);
        var generated = new List<int>();
        for (int i = 0; i < steps; i++)
        {
            int next = TensorPrimitives.IndexOfMax<float>(logits);
            if (tokenizer.IsEndOfGeneration(next)) break;
            generated.Add(next);
            session.Forward([next], logits);
        }
        return tokenizer.Decode(generated.ToArray());
    }

    private static readonly Regex Statistics = new(
        @"^prompt (\d+) tokens \((\d+) cached\) · (\d+) generated · first token \d+ ms · [\d.]+ tokens/s · stopped: ([a-z ]+) · seed (\d+)$",
        RegexOptions.Multiline);

    [Test]
    public void Generate_WithoutAModel_AnswersTheDemoQuestionThroughTheChatTemplate()
    {
        var run = Run("generate", "--temperature", "0", "--max-tokens", "12", "--threads", "1");
        Assert.That(run.Code, Is.EqualTo(0), run.Err);

        using GgufFile file = GgufFile.Open(DemoPath);
        IChatTemplate template = ChatTemplates.FromGguf(file);
        int[] prompt = Tokenizer.FromGguf(file).EncodePrompt(template.Render([ChatMessage.User(DemoModel.Prompt)], true));
        Assert.That(run.Out, Is.EqualTo(Greedy(DemoPath, prompt, 12) + "\n"));
        Match stats = Statistics.Match(run.Err);
        Assert.That(stats.Success, Is.True, run.Err);
        Assert.That(int.Parse(stats.Groups[1].Value), Is.EqualTo(prompt.Length));
    }

    [Test]
    public void Generate_RawPrompt_FromOptionAndFromStdin_MatchesAGreedyLoop()
    {
        string path = RepoPaths.RequireTestData("models/tiny-deepseek2-q.gguf");
        var fromOption = Run("generate", path, "--prompt", "The capital of", "--temperature", "0", "--max-tokens", "6", "--ignore-eos", "--no-stats");
        Assert.That(fromOption.Code, Is.EqualTo(0), fromOption.Err);
        Assert.That(fromOption.Err, Is.Empty, "--no-stats");

        using GgufFile file = GgufFile.Open(path);
        Tokenizer tokenizer = Tokenizer.FromGguf(file);
        int[] prompt = tokenizer.Encode("The capital of", addBos: tokenizer.AddBos);
        using InferenceModel model = InferenceModel.Load(path);
        Assert.That(fromOption.Out, Is.EqualTo(GreedyIgnoringEos(model, tokenizer, prompt, 6) + "\n"));

        var fromStdin = RunWithInput("The capital of", "generate", path, "--temperature", "0", "--max-tokens", "6", "--ignore-eos", "--no-stats");
        Assert.That(fromStdin.Out, Is.EqualTo(fromOption.Out));

        // Preloading, locking and rereading into huge pages change when pages arrive, never the text.
        foreach (string[] memory in new[] { new[] { "--preload" }, ["--mlock"], ["--huge-pages", "reread"], ["--huge-pages", "off"] })
        {
            var run = Run(["generate", path, "--prompt", "The capital of", "--temperature", "0", "--max-tokens", "6", "--ignore-eos", "--no-stats", .. memory]);
            if (memory[0] == "--mlock" && run.Code == 1 && run.Err.Contains("RLIMIT_MEMLOCK")) continue;  // the OS may refuse a lock; it must say why
            Assert.That(run.Code, Is.EqualTo(0), $"{string.Join(' ', memory)}: {run.Err}");
            Assert.That(run.Out, Is.EqualTo(fromOption.Out), string.Join(' ', memory));
        }
    }

    private static string GreedyIgnoringEos(InferenceModel model, Tokenizer tokenizer, int[] prompt, int steps)
    {
        using InferenceSession session = model.CreateSession(new SessionOptions { Threads = 1, ContextLength = 64 });
        var logits = new float[session.VocabSize];
        session.Forward(prompt, logits);
        var generated = new List<int>();
        for (int i = 0; i < steps; i++)
        {
            generated.Add(TensorPrimitives.IndexOfMax<float>(logits));
            session.Forward([generated[^1]], logits);
        }
        return tokenizer.Decode(generated.ToArray());
    }

    [Test]
    public void Generate_SameSeedSameText_StatisticsNameTheSeed()
    {
        string[] args = ["generate", "--temperature", "1.5", "--top-k", "0", "--top-p", "1", "--min-p", "0", "--max-tokens", "16", "--ignore-eos", "--threads", "1"];
        var a = Run([.. args, "--seed", "7"]);
        var b = Run([.. args, "--seed", "7"]);
        var c = Run([.. args, "--seed", "8"]);
        Assert.That(a.Code + b.Code + c.Code, Is.EqualTo(0), a.Err + c.Err);
        Assert.That(b.Out, Is.EqualTo(a.Out));
        Assert.That(c.Out, Is.Not.EqualTo(a.Out), "16 tokens at temperature 1.5 from different seeds");
        Match stats = Statistics.Match(a.Err);
        Assert.That(stats.Groups[3].Value, Is.EqualTo("16"));
        Assert.That(stats.Groups[4].Value, Is.EqualTo("max tokens"));
        Assert.That(stats.Groups[5].Value, Is.EqualTo("7"));
    }

    [Test]
    public void Generate_BadInput_IsOneLine()
    {
        string tiny = RepoPaths.RequireTestData("models/tiny-deepseek2-q.gguf");
        AssertOneLineError(Run("generate", Path.Combine(_cache, "missing.gguf"), "--prompt", "x"), 1, "model file not found");
        AssertOneLineError(Run("generate", "--temperature", "hot"), 2, "--temperature must be a number (got 'hot')");
        AssertOneLineError(Run("generate", "--top-p", "2"), 2, "--top-p 2: must be in (0, 1]");
        AssertOneLineError(Run("generate", "--max-tokens", "0"), 2, "--max-tokens must be an integer in [1,");
        AssertOneLineError(Run("generate", "--kv-type", "q4_0"), 2, "--kv-type must be f32, f16 or bf16");
        AssertOneLineError(Run("generate", "--huge-pages", "always"), 2, "--huge-pages must be on, off or reread (got 'always')");
        AssertOneLineError(Run("generate", "--prompt", "a", "--file", "b"), 2, "give --prompt or --file, not both");
        AssertOneLineError(Run("generate", tiny, "--prompt", "a", "--system", "s"), 2, "--system needs --chat");
        AssertOneLineError(Run("generate", tiny, "--prompt", ""), 2, "the prompt is empty");
        AssertOneLineError(Run("generate", tiny, "--prompt", "a", "--chat"), 1, "has no chat template");
        AssertOneLineError(Run("generate", tiny, "--prompt", "a", "--rules", Path.Combine(_cache, "none.yaml")), 1, "rule file not found");
        AssertOneLineError(Run("generate", "--bogus"), 2, "unknown option --bogus");
    }

    [Test]
    public void Think_SwitchesQwen3sThinking_AndIsAnErrorForATemplateWithoutTheSwitch()
    {
        string tiny = RepoPaths.RequireTestData("models/tiny-deepseek2-q.gguf");
        string[] common = ["generate", tiny, "--template", "qwen3", "--chat", "--prompt", "Hello", "--max-tokens", "1", "--threads", "1"];
        var thinking = Run(common);
        var quiet = Run([.. common, "--think", "off"]);
        Assert.That((thinking.Code, quiet.Code), Is.EqualTo((0, 0)), thinking.Err + quiet.Err);

        using GgufFile file = GgufFile.Open(tiny);
        Tokenizer tok = Tokenizer.FromGguf(file);
        static int PromptTokens((int Code, string Out, string Err) run) => int.Parse(Statistics.Match(run.Err).Groups[1].Value);
        Assert.That(PromptTokens(thinking), Is.EqualTo(tok.EncodePrompt("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n").Length));
        Assert.That(PromptTokens(quiet), Is.EqualTo(tok.EncodePrompt("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n").Length));
        Assert.That(PromptTokens(Run([.. common, "--think", "on"])), Is.EqualTo(PromptTokens(thinking)));

        AssertOneLineError(Run("generate", tiny, "--template", "deepseek-r1", "--think", "off", "--chat", "--prompt", "a"), 1,
                           "the deepseek-r1 chat template has no thinking switch");
        AssertOneLineError(Run("generate", "--think", "maybe"), 2, "--think must be on or off (got 'maybe')");
    }

    [Test]
    public void Generate_FailingMidStream_PrintsTheErrorOnly_NoStatistics()
    {
        // The default overflow policy throws when the reply fills an 8-token context.
        string tiny = RepoPaths.RequireTestData("models/tiny-deepseek2-q.gguf");
        var run = Run("generate", tiny, "--prompt", "The capital of", "--ctx", "8", "--max-tokens", "64", "--ignore-eos", "--temperature", "0");
        AssertOneLineError(run, 1, "cannot take 1 more: its context length is 8");
        Assert.That(Statistics.IsMatch(run.Err), Is.False);
    }

    [Test]
    public void Chat_KeepsTheCacheAcrossTurns_ResetForgets_AndAnswersLikeGenerate()
    {
        string question = DemoModel.Prompt;
        var run = RunWithInput($"{question}\nAnd the rules?\n/reset\n{question}\n", "chat", "--stats", "--temperature", "0", "--max-tokens", "10", "--threads", "1");
        Assert.That(run.Code, Is.EqualTo(0), run.Err);
        string[] replies = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(replies, Has.Length.EqualTo(3));
        var generate = Run("generate", "--temperature", "0", "--max-tokens", "10", "--threads", "1", "--no-stats");
        Assert.That(replies[0] + "\n", Is.EqualTo(generate.Out), "the first turn is the single-turn chat prompt");
        Assert.That(replies[2], Is.EqualTo(replies[0]), "after /reset the conversation starts over");

        MatchCollection stats = Statistics.Matches(run.Err);
        Assert.That(stats, Has.Count.EqualTo(3), run.Err);
        int prompt1 = int.Parse(stats[0].Groups[1].Value), generated1 = int.Parse(stats[0].Groups[3].Value);
        Assert.That(int.Parse(stats[1].Groups[2].Value), Is.EqualTo(prompt1 + generated1 - 1),
                    "turn 2 reuses everything turn 1 evaluated (the last sampled token was never fed)");
        Assert.That(stats[2].Groups[1].Value, Is.EqualTo(stats[0].Groups[1].Value));
    }

    /// <summary>An input that never ends: 'a' forever (a pipe from `yes | tr -d '\n'`, /dev/zero read as text).</summary>
    private sealed class EndlessReader : TextReader
    {
        public override int Peek() => 'a';
        public override int Read() => 'a';
        public override int Read(char[] buffer, int index, int count)
        {
            Array.Fill(buffer, 'a', index, count);
            return count;
        }
    }

    private static (int Code, string Out, string Err) RunWithReader(TextReader input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = NativeInfer.Cli.Program.Run(args, new NativeInfer.Cli.CommandLine.CliConsole(input, output, error, Interactive: false));
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void Generate_EndlessPromptFromFileOrStdin_StopsAtAContextsWorth_OneLine()
    {
        string tiny = RepoPaths.RequireTestData("models/tiny-deepseek2-q.gguf");
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertOneLineError(Run("generate", tiny, "--file", "/dev/zero"), 1,
                           "--file /dev/zero is longer than 262144 characters, more than a 4096-token context can hold (at 64 characters per token)");
        AssertOneLineError(RunWithReader(new EndlessReader(), "generate", tiny, "--ctx", "16"), 1,
                           "the prompt on stdin is longer than 1024 characters, more than a 16-token context can hold");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(64L << 20), "read up to the bound, not until memory runs out");

        string file = Path.Combine(_cache, "prompt.txt");
        File.WriteAllText(file, new string('x', 1025));
        AssertOneLineError(Run("generate", tiny, "--file", file, "--ctx", "16"), 1, $"--file {file} is longer than 1024 characters");
    }

    [Test]
    public void Chat_EndlessLineOrMessageLongerThanTheContext_FailsThatTurnOnly_TheChatContinues()
    {
        string question = DemoModel.Prompt;
        var alone = RunWithInput($"{question}\n", "chat", "--temperature", "0", "--max-tokens", "8", "--threads", "1", "--ctx", "256");
        Assert.That(alone.Code, Is.EqualTo(0), alone.Err);

        // 20 000 characters: over the line bound of a 256-token context (16 384); then 2 000 words: under it, but far more than 256 tokens.
        string endless = new('a', 20_000), wordy = string.Join(' ', Enumerable.Repeat("engine", 2_000));
        var run = RunWithInput($"{endless}\n{wordy}\n{question}\n", "chat", "--temperature", "0", "--max-tokens", "8", "--threads", "1", "--ctx", "256");
        Assert.That(run.Code, Is.EqualTo(0), run.Err);
        string[] errors = run.Err.TrimEnd().Split('\n');
        Assert.That(errors, Has.Length.EqualTo(2), run.Err);
        Assert.That(errors[0], Does.StartWith("nativeinfer: message not sent: the message is longer than 16384 characters, more than a 256-token context can hold"));
        Assert.That(errors[1], Does.StartWith("nativeinfer: message not sent: the session holds 0 tokens and cannot take"));
        Assert.That(run.Out, Is.EqualTo(alone.Out), "the failed turns left nothing behind: the question is answered as in a fresh chat");
    }

    [Test]
    public void Bench_ReportsPrefillDecodeAndAConsistentRoofline()
    {
        string path = RepoPaths.RequireTestData("models/tiny-deepseek2-q.gguf");
        var run = Run("bench", path, "--prompt-tokens", "16", "--decode-tokens", "8", "--repeat", "2", "--threads", "1");
        Assert.That(run.Code, Is.EqualTo(0), run.Err);
        string[] lines = run.Out.TrimEnd().Split('\n');
        Assert.That(lines.Select(l => l.Split(' ')[0]), Is.EqualTo(new[] { "model", "machine", "prefill", "decode", "roofline", "weights" }));
        Assert.That(lines[3], Does.Contain("(16 steps)"));

        // roofline tokens/s = bandwidth ÷ bytes per token, with the bytes the model says one step reads.
        Match m = Regex.Match(lines[4], @"roofline   ([\d.]+) MB of weights read per token → ([\d.]+) tokens/s at ([\d.]+) GB/s");
        Assert.That(m.Success, Is.True, lines[4]);
        using InferenceModel model = InferenceModel.Load(path);
        Assert.That(double.Parse(m.Groups[1].Value), Is.EqualTo(model.DecodeBytesPerToken / 1e6).Within(0.05));
        // The bandwidth is printed to 0.1 GB/s, so the check allows that rounding (and the roofline's own to 0.1).
        double gbs = double.Parse(m.Groups[3].Value), expected = gbs * 1e9 / model.DecodeBytesPerToken;
        Assert.That(double.Parse(m.Groups[2].Value), Is.EqualTo(expected).Within(expected * 0.05 / gbs + 0.05));
        // Every page of the weights was used by the run, so all of them are resident (the OS's count).
        Match w = Regex.Match(lines[5], @"weights    ([\d.]+) of ([\d.]+) GB resident, ([\d.]+) GB in huge pages \(huge pages (advised|not advised)\)");
        Assert.That(w.Success, Is.True, lines[5]);
        Assert.That(double.Parse(w.Groups[2].Value), Is.EqualTo((model.File.Length - model.File.DataOffset) / 1e9).Within(0.005));

        AssertOneLineError(Run("bench", path, "--layers", "2"), 2, "--layers and --type shape the synthetic model");
        AssertOneLineError(Run("bench", path, "--ctx", "8", "--prompt-tokens", "16"), 2, "--ctx 8 is less than");
    }

    [Test]
    public void Demo_IsTheDefault_ExplainsWhatRan_AndIsRepeatable()
    {
        var first = Run("--threads", "1");
        Assert.That(first.Code, Is.EqualTo(0), first.Err);
        Assert.That(first.Out, Does.Contain("agree with float64")
                                  .And.Contain("rules    rules/deepseek-v2-cpu.yaml: ").And.Contain("KDeepseekV2Attention ×3")
                                  .And.Contain("KTransformersExperts (KExpertsCPU) ×2")
                                  .And.Contain("deepseek-v2 chat template")
                                  .And.Contain("What ran:").And.Contain("generate MODEL.gguf"));
        Assert.That(Statistics.Match(first.Out).Groups[5].Value, Is.EqualTo("1"), "the demo's fixed seed");
        string Text(string output) => Statistics.Replace(Regex.Replace(output, @"loaded in \d+ ms", ""), "");
        Assert.That(Text(Run("demo", "--threads", "1").Out), Is.EqualTo(Text(first.Out)));
    }
}
