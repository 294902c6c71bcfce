using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using NativeInfer.Interop;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// A 1-D weight (norm weight, bias) as the float32 values operators read. F32 is used in place; F16 and BF16
/// — which `check` accepts for 1-D tensors, as ggml does — are converted once at bind time into a pinned
/// array the operator keeps, so check and load agree on what a model may hold.
/// </summary>
internal static unsafe class VectorWeight
{
    /// <summary>The tensor's values as float32: its own memory (F32) or a converted copy in <paramref name="owned"/>.</summary>
    public static float* Bind(WeightTensor w, string key, string what, ref float[]? owned)
    {
        long count = w.Ne.Aggregate(1L, (a, b) => a * b);
        switch (w.Type)
        {
            case NiType.F32:
                return (float*)w.Pointer;
            case NiType.F16:
                owned = GC.AllocateUninitializedArray<float>(checked((int)count), pinned: true);
                TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(w.Pointer, owned.Length), owned);
                break;
            case NiType.BF16:
                owned = GC.AllocateUninitializedArray<float>(checked((int)count), pinned: true);
                var bits = new ReadOnlySpan<ushort>(w.Pointer, owned.Length);
                for (int i = 0; i < owned.Length; i++) owned[i] = BitConverter.Int32BitsToSingle(bits[i] << 16);
                break;
            default:
                throw new ModelLoadException($"{key}: {what} {w.Name} must be F32, F16 or BF16 (is {w.Type})");
        }
        return (float*)Marshal.UnsafeAddrOfPinnedArrayElement(owned, 0);
    }
}
