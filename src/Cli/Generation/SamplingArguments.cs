using System.Globalization;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Generation;
using NativeInfer.Generation.Sampling;
using NativeInfer.Runtime;

namespace NativeInfer.Cli.Generation;

/// <summary>
/// Sampling and stopping options of generate and chat, in llama.cpp's spelling where it has one, onto
/// <see cref="GenerationOptions"/>; the library validates the values and names a bad one.
/// </summary>
internal static class SamplingArguments
{
    public const string Usage = """
          --max-tokens N        most tokens to generate (default 256 for generate; chat: until the end of the turn)
          --temperature T       0 = greedy (default 0.8)
          --top-k K             0 = off (default 40);  --top-p P (default 0.95);  --min-p P (default 0.05)
          --repeat-penalty R    penalty on repeated tokens (default 1 = off); --repeat-last-n N window (default 64)
          --frequency-penalty F, --presence-penalty P   OpenAI-style penalties (default 0)
          --seed S              sampling seed (default: random, printed at the end so a run can be repeated)
          --stop TEXT           stop when the text contains TEXT (it is not printed)
          --ignore-eos          keep going past the end-of-generation token
        """;

    public static IReadOnlyList<string> Switches => ["ignore-eos"];

    public static GenerationOptions Parse(CliArguments args, int? defaultMaxTokens)
    {
        SamplingOptions d = SamplingOptions.Default;
        var sampling = new SamplingOptions
        {
            Temperature = Float(args, "temperature", d.Temperature),
            TopK = args.IntOption("top-k", d.TopK, 0),
            TopP = Float(args, "top-p", d.TopP),
            MinP = Float(args, "min-p", d.MinP),
            RepetitionPenalty = Float(args, "repeat-penalty", d.RepetitionPenalty),
            PenaltyLastN = args.IntOption("repeat-last-n", d.PenaltyLastN, -1),
            FrequencyPenalty = Float(args, "frequency-penalty", d.FrequencyPenalty),
            PresencePenalty = Float(args, "presence-penalty", d.PresencePenalty),
            Seed = Seed(args),
        };
        int? maxTokens = args.Option("max-tokens") is null ? defaultMaxTokens : args.IntOption("max-tokens", 0, 1);
        string? stop = args.Option("stop");
        var options = new GenerationOptions
        {
            Sampling = sampling,
            MaxTokens = maxTokens,
            StopStrings = stop is null ? [] : [stop],
            StopAtEndOfGeneration = !args.Flag("ignore-eos"),
        };
        try
        {
            return options.Validate();
        }
        catch (InvalidOptionException e)
        {
            // Said in the command line's terms: the library's option name means little at a terminal.
            string flag = Flags.TryGetValue(e.Option, out string? f) ? f : e.Option;
            throw new CliUsageException($"{flag} {e.Value}: {e.Requirement}");
        }
    }

    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["SamplingOptions.Temperature"] = "--temperature",
        ["SamplingOptions.TopK"] = "--top-k",
        ["SamplingOptions.TopP"] = "--top-p",
        ["SamplingOptions.MinP"] = "--min-p",
        ["SamplingOptions.RepetitionPenalty"] = "--repeat-penalty",
        ["SamplingOptions.PenaltyLastN"] = "--repeat-last-n",
        ["SamplingOptions.FrequencyPenalty"] = "--frequency-penalty",
        ["SamplingOptions.PresencePenalty"] = "--presence-penalty",
        ["GenerationOptions.MaxTokens"] = "--max-tokens",
        ["GenerationOptions.StopStrings[0]"] = "--stop",
    };

    private static float Float(CliArguments args, string name, float defaultValue)
    {
        string? text = args.Option(name);
        if (text is null) return defaultValue;
        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)
            ? v
            : throw new CliUsageException($"--{name} must be a number (got '{text}')");
    }

    private static ulong? Seed(CliArguments args)
    {
        string? text = args.Option("seed");
        if (text is null) return null;
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)
            ? v
            : throw new CliUsageException($"--seed must be a non-negative integer (got '{text}')");
    }
}
