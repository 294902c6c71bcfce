
namespace NativeInfer.Operators;

/// <summary>Options a rule can set on <see cref="KTransformersExperts"/>.</summary>
public sealed class ExpertsOptions : IExplainNote
{
    private static readonly string[] KnownBackends = ["llamafile", "AMXInt8", "AMXBF16"];
    private string? _backend;

    /// <summary>
    /// KTransformers' CPU expert backend (llamafile, AMXInt8, AMXBF16). NativeInfer's CPU kernels
    /// (llamafile-style, AVX-512 VNNI where the CPU has it) run for every value; the note says so.
    /// </summary>
    [Kwarg("backend")]
    public string? Backend
    {
        get => _backend;
        set => _backend = value is null || KnownBackends.Contains(value, StringComparer.Ordinal) ? value
            : throw new ArgumentException($"backend '{value}' is not one of KTransformers' expert backends ({string.Join(", ", KnownBackends)})");
    }

    public string? Note => Backend is null ? null : $"backend {Backend}: NativeInfer's CPU kernels";
}
