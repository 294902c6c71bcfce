using NativeInfer.Gguf;
using NativeInfer.Models.Synthetic;

namespace NativeInfer.Bench.Runtime;

/// <summary>Synthetic models for the runtime benchmarks, written once and kept in the temp folder.</summary>
public static class SyntheticModels
{
    public static string DeepseekV2Lite(int layers, GgmlType type)
    {
        SyntheticModelSpec spec = SyntheticModelSpec.DeepseekV2Lite(layers, type);
        string dir = Path.Combine(Path.GetTempPath(), "nativeinfer-bench");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, spec.Name + ".gguf");
        if (!File.Exists(path))
        {
            Console.WriteLine($"// writing {path} (once)");
            SyntheticModelWriter.Write(spec, path);
        }
        return path;
    }
}
