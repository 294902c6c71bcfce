using NativeInfer.Cli.CommandLine;
using NativeInfer.Gguf;
using NativeInfer.Tokenization;

namespace NativeInfer.Cli.Commands;

/// <summary>
/// `nativeinfer tokenize MODEL TEXT`: prints the token ids of TEXT on one line, space-separated (the
/// analog of llama.cpp's llama-tokenize). Works on vocabulary-only GGUF files.
/// </summary>
public sealed class TokenizeCommand : ICliCommand
{
    public string Name => "tokenize";
    public string Summary => "print the token ids of a text with a GGUF model's tokenizer";
    public string Usage => """
        nativeinfer tokenize MODEL.gguf TEXT [--special] [--bos]
        nativeinfer tokenize MODEL.gguf --file PATH [--special] [--bos]
          --file     read the text from PATH (UTF-8, taken exactly, final newline included)
          --special  map special-token texts such as <｜begin▁of▁sentence｜> to their ids
          --bos      put the BOS id first
        """;

    public IReadOnlyList<string> Switches => ["special", "bos"];

    public int Run(CliArguments args, TextWriter output)
    {
        string model = args.RequiredPositional("model file (MODEL.gguf)");
        string? file = args.Option("file");
        string? text = args.OptionalPositional();
        bool parseSpecial = args.Flag("special");
        bool addBos = args.Flag("bos");
        args.EnsureAllConsumed();
        if (file is not null && text is not null) throw new CliUsageException("give either TEXT or --file, not both");
        if (file is null && text is null) throw new CliUsageException("missing TEXT (or --file PATH)");
        if (file is not null) text = File.ReadAllText(file);

        Tokenizer tokenizer;
        using (GgufFile gguf = GgufFile.Open(model)) tokenizer = Tokenizer.FromGguf(gguf);
        int[] ids = tokenizer.Encode(text!, addBos, parseSpecial);
        output.WriteLine(string.Join(' ', ids));
        return 0;
    }
}
