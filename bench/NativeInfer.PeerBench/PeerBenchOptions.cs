using System.Globalization;

namespace NativeInfer.PeerBench;

/// <summary>Command-line options of the side-by-side benchmark.</summary>
internal sealed record PeerBenchOptions
{
    public string? Model { get; init; }
    public int Layers { get; init; } = 27;
    public int Threads { get; init; } = 2;
    public int PromptTokens { get; init; } = 128;
    public int DecodeTokens { get; init; } = 64;
    public int Rounds { get; init; } = 5;

    /// <summary>"defaults": LLamaSharp's ModelParams as a user writes them (only the path, threads and context); "tuned": flash attention and batch sizes set.</summary>
    public string PeerSettings { get; init; } = "defaults";

    public string Engines { get; init; } = "both";
    public string? Rules { get; init; }

    /// <summary>A CSV file to write every decode step's time to (engine, round, step, milliseconds), for looking at the tail.</summary>
    public string? StepsFile { get; init; }

    public const string Usage = """
        dotnet run --project bench/NativeInfer.PeerBench -c Release -- [MODEL.gguf] [options]
          MODEL              a GGUF both engines can run; without one, a DeepSeek-V2-Lite-shaped model (Q4_0 weights, Q6_K head,
                             the DeepSeek vocabulary of ../shared/testdata) with --layers layers, written once to the cache
          --layers N         depth of that model (default 27: the real DeepSeek-V2-Lite)
          --threads N        threads for both engines (default 2)
          --prompt N         prompt tokens, one batch (default 128); --decode N decode steps after it (default 64)
          --rounds N         alternating rounds; each round runs every engine once (default 5)
          --peer SETTINGS    defaults (LLamaSharp's ModelParams defaults) or tuned (flash attention, batch = prompt)
          --engines E        both, nativeinfer or llamasharp
          --rules FILE       NativeInfer rule file
          --steps FILE       write every decode step's time as CSV (engine,round,step,ms)
        """;

    public static PeerBenchOptions Parse(string[] args)
    {
        var o = new PeerBenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = a switch
            {
                "--layers" => o with { Layers = Int() },
                "--threads" => o with { Threads = Int() },
                "--prompt" => o with { PromptTokens = Int() },
                "--decode" => o with { DecodeTokens = Int() },
                "--rounds" => o with { Rounds = Int() },
                "--peer" => o with { PeerSettings = OneOf(Next(), "--peer", "defaults", "tuned") },
                "--engines" => o with { Engines = OneOf(Next(), "--engines", "both", "nativeinfer", "llamasharp") },
                "--rules" => o with { Rules = Next() },
                "--steps" => o with { StepsFile = Next() },
                "-h" or "--help" => throw new ArgumentException(Usage),
                _ when !a.StartsWith('-') && o.Model is null => o with { Model = a },
                _ => throw new ArgumentException($"unknown argument '{a}'\n{Usage}"),
            };
        }
        return o;
    }

    private static string OneOf(string value, string option, params string[] allowed) =>
        allowed.Contains(value) ? value : throw new ArgumentException($"{option} is one of {string.Join(", ", allowed)} (got '{value}')");
}
