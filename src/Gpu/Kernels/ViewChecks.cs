using ILGPU;

namespace NativeInfer.Gpu.Kernels;

/// <summary>Host-side checks of launcher arguments: a view too short for its shape is an <see cref="ArgumentException"/> naming it.</summary>
internal static class ViewChecks
{
    /// <summary>Requires <paramref name="view"/> to hold at least <paramref name="needed"/> elements.</summary>
    public static void Require<T>(ArrayView<T> view, long needed, string name, string shape) where T : unmanaged
    {
        if (needed < 0) throw new ArgumentOutOfRangeException(name, $"{name}: {shape} gives a negative size");
        if (view.Length < needed)
            throw new ArgumentException($"{name} holds {view.Length} elements but {shape} needs {needed}", name);
    }

    /// <summary>Elements a strided matrix of <paramref name="rows"/> rows of <paramref name="width"/> values spans.</summary>
    public static long Span(long rows, long stride, long width) => rows <= 0 ? 0 : (rows - 1) * stride + width;

    public static void Positive(long value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, $"{name} must be > 0 (got {value})");
    }

    public static void AtLeast(long value, long minimum, string name)
    {
        if (value < minimum) throw new ArgumentOutOfRangeException(name, $"{name} must be ≥ {minimum} (got {value})");
    }
}
