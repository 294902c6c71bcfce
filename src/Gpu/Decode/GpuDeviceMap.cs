using NativeInfer.Gpu.Devices;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// Which device runs each decoder layer, and which runs the final norm and the head: KTransformers' layers split over
/// several GPUs (transfer_map). The embedding runs where layer 0 does (or on the CPU). Where consecutive layers, or the
/// last layer and the head, sit on different devices, <see cref="GpuDecodePath"/> hands the hidden state over: one
/// download from the one and one upload to the other per token (the head's once per call).
/// </summary>
public sealed class GpuDeviceMap
{
    public GpuDeviceMap(IReadOnlyList<IGpuDevice> layers, IGpuDevice head)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(head);
        if (layers.Count == 0) throw new ArgumentException("a model has at least one layer", nameof(layers));
        for (int i = 0; i < layers.Count; i++)
            if (layers[i] is null) throw new ArgumentException($"layer {i} has no device", nameof(layers));
        Layers = layers.ToArray();
        Head = head;
    }

    /// <summary>Every layer and the head on <paramref name="device"/>.</summary>
    public static GpuDeviceMap OneDevice(IGpuDevice device, int layers) => new(Enumerable.Repeat(device, layers).ToArray(), device);

    public IReadOnlyList<IGpuDevice> Layers { get; }
    public IGpuDevice Head { get; }

    /// <summary>The distinct devices in order of first use: layer 0's first.</summary>
    public IReadOnlyList<IGpuDevice> Devices => Layers.Append(Head).Distinct(ReferenceEqualityComparer.Instance).Cast<IGpuDevice>().ToArray();
}
