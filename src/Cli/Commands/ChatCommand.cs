using NativeInfer.Chat;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Cli.Generation;
using NativeInfer.Diagnostics;
using NativeInfer.Generation;
using NativeInfer.Generation.Chat;
using NativeInfer.Runtime;

namespace NativeInfer.Cli.Commands;

/// <summary>
/// `nativeinfer chat [MODEL.gguf]`: an interactive conversation through the model's chat template. Each
/// line read is a user message; the reply streams back and the KV cache is kept across turns, so a turn
/// evaluates only its new text. /reset starts over, /exit (or end of input) leaves; Ctrl+C stops a reply.
/// </summary>
public sealed class ChatCommand : ICliCommand
{
    public string Name => "chat";
    public string Summary => "interactive chat through the model's chat template, keeping the history (and its cache) across turns";
    public string Usage => $"""
        nativeinfer chat [MODEL.gguf] [--system TEXT] [--stats] [options]
          MODEL          a GGUF model with a chat template (or give --template); without one, the demo model
          --system TEXT  a system message the conversation starts with (kept by /reset)
          --stats        print the statistics line after every reply
          Type a message and press Enter. /reset forgets the conversation, /exit or end of input leaves,
          Ctrl+C stops the reply being written (a second Ctrl+C ends the program).
        {ModelArguments.Usage.TrimEnd()}
        {SamplingArguments.Usage.TrimEnd()}
        """;

    public IReadOnlyList<string> Switches => ["stats", .. ModelArguments.Switches, .. SamplingArguments.Switches];

    public int Run(CliArguments args, TextWriter output) => Run(args, new CliConsole(TextReader.Null, output, TextWriter.Null, false));

    public int Run(CliArguments args, CliConsole console)
    {
        ModelArguments model = ModelArguments.Parse(args);
        string? system = args.Option("system");
        bool stats = args.Flag("stats");
        GenerationOptions generation = SamplingArguments.Parse(args, defaultMaxTokens: null);
        args.EnsureAllConsumed();

        ModelLoading.Loaded loaded = ModelLoading.Load(model, console);
        using LanguageModel lm = loaded.Model;
        using ChatSession chat = lm.CreateChatSession(new ChatSessionOptions
        {
            SystemPrompt = system,
            // A long conversation loses its oldest exchanges instead of ending the chat.
            Session = lm.Options.Session with { OverflowPolicy = ContextOverflowPolicy.TruncateOldest },
        });
        if (console.Interactive)
            console.Error.WriteLine($"chat with {lm.Name} ({chat.Template.Name} template{(chat.Template is IThinkingChatTemplate { EnableThinking: false } ? ", thinking off" : "")}, "
                                    + $"{chat.Session.Capacity} tokens of context). /reset, /exit; Ctrl+C stops a reply.");
        using var ctrlC = new CtrlC();
        int limit = PromptReader.Limit(chat.Session.Capacity);
        while (true)
        {
            if (console.Interactive) console.Out.Write("> ");
            string? line;
            try
            {
                line = PromptReader.ReadLine(console.In, limit, chat.Session.Capacity);
            }
            catch (PromptTooLongException e)
            {
                TurnFailed(console, e);
                continue;
            }
            if (line is null || line.Trim() == "/exit") break;
            if (line.Trim() == "/reset")
            {
                chat.Clear();
                if (console.Interactive) console.Error.WriteLine("(conversation cleared)");
                continue;
            }
            if (line.Trim().Length == 0) continue;
            try
            {
                TokenPrinter.Print(chat.SendAsync(line, generation, ctrlC.Token), console, stats);
            }
            catch (OperationCanceledException)
            {
                console.Error.WriteLine("(reply stopped; it is not part of the conversation)");
                ctrlC.Renew();
            }
            catch (ContextLengthExceededException e)
            {
                // Even with the oldest exchanges dropped the message does not fit: the turn fails, the chat goes on.
                TurnFailed(console, e);
            }
        }
        return 0;
    }

    /// <summary>One line on stderr; the message is not part of the conversation and the session continues.</summary>
    private static void TurnFailed(CliConsole console, Exception e) =>
        console.Error.WriteLine($"nativeinfer: message not sent: {DisplayText.Escape(e.Message)}");
}
