using NativeInfer.Chat;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Cli.Generation;
using NativeInfer.Generation;
using NativeInfer.Generation.Chat;
using NativeInfer.Models.Synthetic.Demo;

namespace NativeInfer.Cli.Commands;

/// <summary>
/// `nativeinfer generate [MODEL.gguf] [--prompt TEXT | --file FILE] [--chat] …`: streams the continuation of a
/// prompt (or, with --chat, the reply to it through the model's chat template) to stdout, then prints the
/// statistics to stderr. Without a model it runs the demo model on its demo question.
/// </summary>
public sealed class GenerateCommand : ICliCommand
{
    public string Name => "generate";
    public string Summary => "stream the continuation of a prompt (or a chat reply with --chat); tokens/s and time to first token at the end";
    public string Usage => $"""
        nativeinfer generate [MODEL.gguf] [--prompt TEXT | --file FILE] [--chat] [--system TEXT] [--no-stats] [options]
          MODEL            a GGUF model; without one, the demo model (written once to the cache) answers its demo question
          --prompt TEXT    the prompt; --file FILE reads it from a file; otherwise it is read from stdin
          --chat           treat the prompt as a user message in the model's chat template (default for the demo model)
          --raw            continue the prompt text as is (default with a MODEL)
          --system TEXT    a system message (with --chat)
          --no-stats       do not print the statistics line to stderr
        {ModelArguments.Usage.TrimEnd()}
        {SamplingArguments.Usage.TrimEnd()}
        """;

    public IReadOnlyList<string> Switches => ["chat", "raw", "no-stats", .. ModelArguments.Switches, .. SamplingArguments.Switches];

    public int Run(CliArguments args, TextWriter output) => Run(args, new CliConsole(TextReader.Null, output, TextWriter.Null, false));

    public int Run(CliArguments args, CliConsole console)
    {
        ModelArguments model = ModelArguments.Parse(args);
        string? promptOption = args.Option("prompt"), file = args.Option("file");
        bool chatFlag = args.Flag("chat"), raw = args.Flag("raw"), stats = !args.Flag("no-stats");
        string? system = args.Option("system");
        GenerationOptions generation = SamplingArguments.Parse(args, defaultMaxTokens: 256);
        args.EnsureAllConsumed();
        if (promptOption is not null && file is not null) throw new CliUsageException("give --prompt or --file, not both");
        if (chatFlag && raw) throw new CliUsageException("give --chat or --raw, not both");
        bool chat = chatFlag || (!raw && model.ModelPath is null);
        if (system is not null && !chat) throw new CliUsageException("--system needs --chat");
        if (file is not null && !File.Exists(file)) throw new FileNotFoundException($"prompt file not found: {file}", file);
        // Read before the model loads, so at most the largest context a session can get by default (or --ctx).
        int context = model.ContextLength ?? NativeInfer.Runtime.SessionOptions.DefaultContextCap;
        int limit = PromptReader.Limit(context);
        string prompt = promptOption ?? (file is not null ? PromptReader.ReadFile(file, limit, context)
                                         : model.ModelPath is null ? DemoModel.Prompt : ReadStdin(console, limit, context));
        if (prompt.Length == 0) throw new CliUsageException("the prompt is empty: give --prompt TEXT, --file FILE or text on stdin");

        ModelLoading.Loaded loaded = ModelLoading.Load(model, console);
        using LanguageModel lm = loaded.Model;
        using var ctrlC = new CtrlC();
        if (chat)
        {
            using ChatSession session = lm.CreateChatSession(new ChatSessionOptions { SystemPrompt = system });
            TokenPrinter.Print(session.SendAsync(prompt, generation, ctrlC.Token), console, stats);
        }
        else
        {
            using GenerationSession session = lm.CreateSession();
            TokenPrinter.Print(session.GenerateAsync(prompt, generation, ctrlC.Token), console, stats);
        }
        return 0;
    }

    private static string ReadStdin(CliConsole console, int limit, int context) =>
        console.Interactive ? throw new CliUsageException("no prompt: give --prompt TEXT or --file FILE (or pipe the text to stdin)")
                            : PromptReader.ReadToEnd(console.In, limit, context, "the prompt on stdin");
}
