using NativeInfer.Gpu.Devices;
using NativeInfer.Runtime;
using Device = NativeInfer.Tensors.Device;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// A conversation run by the GPU decode path, the counterpart of <see cref="InferenceSession"/> for users who want
/// attention, dense layers, shared experts and the head on a GPU and the routed experts on the CPU: opens cuda:N (or
/// its emulation) and builds a <see cref="GpuDecodePath"/> on it. Logits that are not finite are never handed on.
/// Not thread-safe: one caller at a time.
/// </summary>
public sealed class GpuDecodeSession : IDisposable
{
    private readonly IGpuDevice _device;
    private readonly GpuDecodePath _path;
    private readonly bool _ownsDevice;

    private GpuDecodeSession(IGpuDevice device, GpuDecodePath path, bool ownsDevice) => (_device, _path, _ownsDevice) = (device, path, ownsDevice);

    /// <summary>
    /// Opens <paramref name="device"/> ("cuda:N") and uploads the model to it. With <paramref name="emulate"/> the
    /// device is ILGPU's CPU accelerator (groups of 2 threads, the fastest shape there: seconds per token on the tiny
    /// models), for seeing the GPU path run on a machine without one. <see cref="GpuUnavailableException"/> when the
    /// GPU cannot be used, <see cref="GpuDecodeNotSupportedException"/> when the model cannot run on this path.
    /// </summary>
    public static GpuDecodeSession Open(InferenceModel model, string device = "cuda:0", bool emulate = false, GpuDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!Device.TryParse(device, out Device parsed) || parsed.IsCpu)
            throw new ArgumentException($"'{device}' is not a CUDA device (cuda:N); the CPU path is InferenceModel.CreateSession", nameof(device));
        IGpuDevice gpu = emulate ? EmulatedGpuDevice.Open(parsed.Index, warpSize: 2, warps: 1) : GpuDevices.Open(parsed);
        try
        {
            return new GpuDecodeSession(gpu, GpuDecodePath.Create(model, gpu, options), ownsDevice: true);
        }
        catch
        {
            gpu.Dispose();
            throw;
        }
    }

    /// <summary>A session on a device the caller keeps (and disposes after the session).</summary>
    public static GpuDecodeSession Create(InferenceModel model, IGpuDevice device, GpuDecodeOptions? options = null) =>
        new(device, GpuDecodePath.Create(model, device, options), ownsDevice: false);

    /// <summary>What runs it: the GPU's name, or the emulation.</summary>
    public string DeviceDescription => _device.Description;

    /// <summary>Every weight matrix on the device and how it is kept (Marlin int4, f16, f32), with the reason.</summary>
    public IReadOnlyList<GpuLinearPlacement> Linears => _path.Linears;

    public int Length => _path.Length;
    public int Capacity => _path.Capacity;
    public int VocabSize => _path.VocabSize;

    /// <summary>Feeds tokens and writes the last one's logits [vocab]; <see cref="NotFiniteNumberException"/> for a NaN or infinite logit.</summary>
    public void Forward(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        _path.Forward(tokens, logits);
        for (int i = 0; i < VocabSize; i++)
            if (!float.IsFinite(logits[i]))
                throw new NotFiniteNumberException($"the GPU decode path produced logit {logits[i]} for id {i} at position {Length - 1}", logits[i]);
    }

    public void Truncate(int length) => _path.Truncate(length);

    public void Reset() => _path.Reset();

    public void Dispose()
    {
        _path.Dispose();
        if (_ownsDevice) _device.Dispose();
    }
}
