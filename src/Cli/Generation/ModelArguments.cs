using NativeInfer.Chat;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Generation;
using NativeInfer.Diagnostics;
using NativeInfer.Injection;
using NativeInfer.Interop;
using NativeInfer.Models;
using NativeInfer.Runtime;

namespace NativeInfer.Cli.Generation;

/// <summary>
/// The options of the commands that load a model for generation (generate, chat, bench): where it is,
/// which rules place its operators, threads, context and KV cache. Without a model path they use the demo
/// model (<see cref="DemoFiles"/>).
/// </summary>
internal sealed record ModelArguments
{
    public const string Usage = """
          --rules FILE     injection rules (docs/injection.md); default: every module's built-in CPU operator
          --cpu-fallback   run modules a rule places on CUDA on the CPU instead of failing
        """ + "\n" + GpuArguments.Usage + "\n" + """
          --module-map F   YAML file mapping architecture names to your IModelDefinition types (as for check)
          --threads N      kernel threads (default 0 = every CPU)
          --ctx N          context length in tokens (default: the model's, at most 4096)
          --kv-type T      KV cache element type: f32, f16 or bf16 (default f32)
          --template NAME  chat template family instead of the one detected from the file (deepseek-v2, deepseek-r1, qwen3, …)
          --think on|off   the chat template's thinking switch (Qwen3's enable_thinking); off: answers without reasoning
          --preload        read every weight in while loading, so the first token runs at steady speed
          --mlock          keep the weights locked in RAM (implies --preload; needs `ulimit -l` room)
          --huge-pages M   on (default): back the weights with 2 MiB pages where the OS can; off; reread: also drop
                           the file's cached small pages first so they come back huge (implies --preload)
        """;

    public string? ModelPath { get; init; }
    public string? RulesPath { get; init; }
    public bool CpuFallback { get; init; }
    public GpuArguments Gpu { get; init; } = new();
    public string? ModuleMapPath { get; init; }
    public int Threads { get; init; }
    public int? ContextLength { get; init; }
    public NiType KvCacheType { get; init; } = NiType.F32;
    public string? TemplateFamily { get; init; }
    public bool? EnableThinking { get; init; }
    public bool Preload { get; init; }
    public bool Lock { get; init; }
    public string HugePages { get; init; } = "on";

    /// <summary>Reads the options above; the model path is the optional first positional.</summary>
    public static ModelArguments Parse(CliArguments args) => new()
    {
        ModelPath = args.OptionalPositional(),
        RulesPath = args.Option("rules"),
        CpuFallback = args.Flag("cpu-fallback"),
        Gpu = GpuArguments.Parse(args),
        ModuleMapPath = args.Option("module-map"),
        Threads = args.IntOption("threads", 0, 0, 1024),
        ContextLength = args.Option("ctx") is null ? null : args.IntOption("ctx", 0, 1, 1 << 24),
        KvCacheType = ParseKvType(args.Option("kv-type")),
        TemplateFamily = args.Option("template"),
        EnableThinking = ParseOnOff("think", args.Option("think")),
        Preload = args.Flag("preload"),
        Lock = args.Flag("mlock"),
        HugePages = args.Option("huge-pages")?.ToLowerInvariant() switch
        {
            null => "on",
            "on" or "off" or "reread" => args.Option("huge-pages")!.ToLowerInvariant(),
            string other => throw new CliUsageException($"--huge-pages must be on, off or reread (got '{other}')"),
        },
    };

    /// <summary>The switches among these options (for <see cref="Commands.ICliCommand.Switches"/>).</summary>
    public static IReadOnlyList<string> Switches => ["cpu-fallback", "preload", "mlock", .. GpuArguments.Switches];

    /// <summary>What --preload, --mlock and --huge-pages ask of the mapped weights; <paramref name="progress"/> shows the preload.</summary>
    public WeightMemoryOptions ToMemoryOptions(IProgress<OperationProgress>? progress = null) => new()
    {
        HugePages = HugePages != "off",
        RereadIntoHugePages = HugePages == "reread",
        Preload = Preload || Lock || HugePages == "reread",
        Lock = Lock,
        Progress = progress,
    };

    private static NiType ParseKvType(string? text) => text?.ToLowerInvariant() switch
    {
        null or "f32" => NiType.F32,
        "f16" => NiType.F16,
        "bf16" => NiType.BF16,
        _ => throw new CliUsageException($"--kv-type must be f32, f16 or bf16 (got '{text}')"),
    };

    private static bool? ParseOnOff(string option, string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "on" => true,
        "off" => false,
        _ => throw new CliUsageException($"--{option} must be on or off (got '{text}')"),
    };

    /// <summary>Checks the files exist before anything slow happens.</summary>
    public void CheckFiles()
    {
        if (ModelPath is { } m && !File.Exists(m)) throw new FileNotFoundException($"model file not found: {m}", m);
        if (RulesPath is { } r && !File.Exists(r)) throw new FileNotFoundException($"rule file not found: {r}", r);
        if (ModuleMapPath is { } m2 && !File.Exists(m2)) throw new FileNotFoundException($"module map file not found: {m2}", m2);
    }

    /// <summary>Load options (a session's context: --ctx, else the model's capped at 4096).</summary>
    public LanguageModelOptions ToOptions(IProgress<OperationProgress>? progress = null) => new()
    {
        Model = new ModelOptions
        {
            RulesPath = RulesPath,
            Injection = Gpu.Injection(CpuFallback),
            Gpu = Gpu.CreateBackend(),
            ModuleMap = ModuleMapPath is null ? null : new ModuleMap(new ModuleMapOptions { Files = { ModuleMapPath } }),
            Memory = ToMemoryOptions(progress),
        },
        Session = new GenerationSessionOptions { Threads = Threads, ContextLength = ContextLength ?? 0, KvCacheType = KvCacheType },
        ChatTemplate = TemplateFamily is null && EnableThinking is null ? null : new ChatTemplateOptions { Family = TemplateFamily, EnableThinking = EnableThinking },
    };
}
