using ILGPU;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// How many threads one group of a kernel has on an accelerator: a multiple of the warp size, at most 256
/// (every kernel here reduces across one group, and 256 keeps several groups resident per SM). Kernels are
/// written for any such size; the tests run them with two different warp and group shapes.
/// </summary>
public readonly record struct KernelShape(int GroupSize, int WarpSize)
{
    public static KernelShape For(Accelerator accelerator)
    {
        int warp = accelerator.WarpSize;
        int group = Math.Min(256, accelerator.MaxNumThreadsPerGroup);
        group -= group % warp;
        if (group <= 0) throw new InvalidOperationException($"{accelerator.Name}: a group of {accelerator.MaxNumThreadsPerGroup} threads cannot hold one {warp}-thread warp");
        return new KernelShape(group, warp);
    }

    /// <summary>One group per item: <paramref name="groups"/> groups of <see cref="GroupSize"/> threads.</summary>
    public KernelConfig Groups(long groups)
    {
        if (groups <= 0 || groups > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(groups), $"{groups} groups: must be in [1, 2^31)");
        return new KernelConfig((int)groups, GroupSize);
    }

    /// <summary>Enough groups for one thread per element of <paramref name="count"/> (grid-stride loops cover the rest).</summary>
    public KernelConfig Elementwise(long count)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), $"{count} elements: must be > 0");
        long groups = Math.Min((count + GroupSize - 1) / GroupSize, 65535);
        return new KernelConfig((int)groups, GroupSize);
    }
}
