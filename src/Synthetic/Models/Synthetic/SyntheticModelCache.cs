using System.Security.Cryptography;
using System.Text;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// Synthetic models written once into a folder and reused (benchmarks write gigabytes; doing it per run
/// would dominate). The file name holds the spec's name and a hash of every field of the spec, so a changed
/// shape gets a new file; it is written under a temporary name and renamed, so a reader never sees half a file.
/// </summary>
public static class SyntheticModelCache
{
    public static string EnsureWritten(SyntheticModelSpec spec, string directory, SyntheticWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Directory.CreateDirectory(directory);
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(spec.ToString())))[..12];
        string path = Path.Combine(directory, $"{spec.Name}-{hash}.gguf");
        if (File.Exists(path)) return path;
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            SyntheticModelWriter.Write(spec, temp, options);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
        return path;
    }
}
