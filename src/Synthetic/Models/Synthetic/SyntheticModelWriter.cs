using System.Diagnostics;
using NativeInfer.Gguf;
using NativeInfer.Kernels;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// Writes a synthetic GGUF model with the project's writer: the architecture's metadata and tensors in
/// llama.cpp's layout (<see cref="SyntheticModelSpec"/>), the tokenizer when one is given, and weights
/// from the chosen source (random by default; <see cref="DemoModel"/> constructs readable ones). The file
/// is written to "PATH.partial" and renamed when complete, so a failure never leaves half a file.
/// </summary>
public static class SyntheticModelWriter
{
    /// <exception cref="SyntheticModelException">The spec cannot make a model (widths, or a type that does not fit a row length).</exception>
    public static SyntheticModelSummary Write(SyntheticModelSpec spec, string path, SyntheticWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        options ??= new SyntheticWriteOptions();
        var clock = Stopwatch.StartNew();
        spec.Validate();
        if (options.Tokenizer is { } tok && tok.VocabSize > spec.Vocab)
            throw new SyntheticModelException($"the tokenizer has {tok.VocabSize} tokens but the model only {spec.Vocab} embedding rows");

        using KernelPool pool = KernelPool.Create(options.Threads);
        var writer = new GgufWriter();
        spec.AddMetadata(writer);
        options.Tokenizer?.AddTo(writer);
        var sink = new SyntheticTensorSink(writer, pool, spec.Seed, options.Weights, options.Progress, options.Cancellation) { ZeroMatrices = options.ZeroMatrices };
        // Every tensor is declared (and its type checked) before a byte is written.
        spec.AddTensors(sink);
        writer.WriteTo(path, options.InputPaths);
        string full = Path.GetFullPath(path);
        return new SyntheticModelSummary(full, new FileInfo(full).Length, sink.Tensors, clock.Elapsed);
    }
}
