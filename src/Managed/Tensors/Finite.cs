using System.Numerics.Tensors;

namespace NativeInfer.Tensors;

/// <summary>Whether values hold a NaN or an infinity, vectorised (TensorPrimitives.MaxMagnitude propagates NaN).</summary>
public static class Finite
{
    /// <summary>True when every value is finite (an empty span is).</summary>
    public static bool All(ReadOnlySpan<float> values) => values.IsEmpty || float.IsFinite(TensorPrimitives.MaxMagnitude(values));

    /// <summary>Index of the first NaN or infinity, or −1.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        if (All(values)) return -1;
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }
}
