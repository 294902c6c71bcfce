using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Runtime;

namespace NativeInfer.Operators;

/// <summary>Small 1-D weights (biases, norm weights) read as f32, whatever float type the file stores them in.</summary>
internal static unsafe class WeightVector
{
    /// <summary>An F32, F16 or BF16 vector as a pinned float array (converted exactly).</summary>
    public static float[] ToPinnedFloats(WeightTensor t, string owner)
    {
        if (t.Type is not (NiType.F32 or NiType.F16 or NiType.BF16))
            throw new ModelLoadException($"{owner}: {t.Name} must be F32, F16 or BF16 (is {t.Type})");
        long rows = t.Rows, cols = t.Columns;
        float[] values = GC.AllocateUninitializedArray<float>(checked((int)(rows * cols)), pinned: true);
        using KernelPool pool = KernelPool.Create(1);
        fixed (float* dst = values)
            NiException.ThrowIfFailed(NativeMethods.DequantizeRows(pool.Handle, (int)t.Type, dst, (nuint)(cols * 4), t.Pointer, (nuint)t.RowBytes, rows, cols));
        return values;
    }
}
