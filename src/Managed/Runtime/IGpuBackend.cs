using NativeInfer.Injection;

namespace NativeInfer.Runtime;

/// <summary>
/// A GPU backend (NativeInfer.Gpu's <c>GpuDecodeBackend</c>): plans modules onto a CUDA device
/// (<see cref="IGpuPlacement"/>) and runs a loaded model's conversations there. The runtime defines the interface
/// and the GPU assembly implements it, so the runtime never references ILGPU (a NativeAOT service keeps its CPU
/// path) and the GPU code still reads the loaded model, its plan and its CPU operators (the routed experts).
/// Set it on <see cref="ModelOptions.Gpu"/>; <see cref="InferenceSession"/> then runs through it whenever the plan
/// puts modules on the GPU.
/// </summary>
public interface IGpuBackend : IGpuPlacement
{
    /// <summary>
    /// Opens the plan's device (<see cref="InjectionPlan.GpuDevice"/>) and uploads the model's weights there, for one
    /// conversation with <paramref name="options"/>' capacity and threads (the CPU experts'). Throws when the device
    /// cannot be had or the model cannot run there.
    /// </summary>
    IDeviceDecoder Open(InferenceModel model, SessionOptions options);
}

/// <summary>One conversation's state on a GPU backend: its device KV cache and position. Not thread-safe.</summary>
public interface IDeviceDecoder : IDisposable
{
    /// <summary>What runs it ("NVIDIA H100 80GB HBM3 (cuda:0)", or the emulation).</summary>
    string DeviceDescription { get; }

    /// <summary>Tokens in the device cache: the position the next token takes.</summary>
    int Length { get; }

    int Capacity { get; }

    /// <summary>Appends tokens to the cache and writes the last one's logits [vocab]; on an exception it is as before the call.</summary>
    void Forward(ReadOnlySpan<int> tokens, Span<float> logits);

    /// <summary>Forgets everything after the first <paramref name="length"/> tokens.</summary>
    void Truncate(int length);
}
