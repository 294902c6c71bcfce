using System.Diagnostics;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Cli.Progress;
using NativeInfer.Generation;
using NativeInfer.Models.Synthetic.Demo;

namespace NativeInfer.Cli.Generation;

/// <summary>Loads the model a generation command names (or the demo model), showing progress while it maps and binds.</summary>
internal static class ModelLoading
{
    public sealed record Loaded(LanguageModel Model, string Path, bool IsDemo, TimeSpan LoadTime);

    public static Loaded Load(ModelArguments arguments, CliConsole console)
    {
        arguments.CheckFiles();
        using var progress = new ConsoleProgress(console.Error, console.Interactive);
        string path;
        bool demo = arguments.ModelPath is null;
        if (demo)
        {
            using (progress.Activity("demo model", $"writing it once to {DemoFiles.CacheDirectory}"))
                path = DemoModel.EnsureWritten(DemoFiles.CacheDirectory);
        }
        else path = arguments.ModelPath!;
        long start = Stopwatch.GetTimestamp();
        LanguageModel model;
        // A preload reports its own progress; the activity ticker would draw over it.
        LanguageModelOptions options = arguments.ToOptions(progress);
        using (options.Model.Memory.Preload ? null : progress.Activity("load", System.IO.Path.GetFileName(path)))
            model = LanguageModel.Load(path, options);
        return new Loaded(model, path, demo, Stopwatch.GetElapsedTime(start));
    }
}
