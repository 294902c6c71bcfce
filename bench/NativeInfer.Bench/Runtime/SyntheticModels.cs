using NativeInfer.Gguf;
using NativeInfer.Models.Synthetic;

namespace NativeInfer.Bench.Runtime;

/// <summary>Synthetic models for the runtime benchmarks, written once and kept in the temp folder.</summary>
public static class SyntheticModels
{
    public static string Directory => Path.Combine(Path.GetTempPath(), "nativeinfer-bench");

    public static string DeepseekV2Lite(int layers, GgmlType type) =>
        SyntheticModelCache.EnsureWritten(SyntheticModelSpec.DeepseekV2Lite(layers, type), Directory);
}
