namespace NativeInfer.Cuda;

/// <summary>
/// Whether the CUDA path can run here, and if not, why: libnativeinfer_cuda not built (no CUDA toolkit at
/// build time), no NVIDIA driver, a driver too old, or no device. <see cref="Reason"/> is the sentence to
/// show a user (one line); it is empty when <see cref="IsAvailable"/>. <see cref="Details"/> holds what does not
/// fit a line: the paths searched for the library.
/// </summary>
/// <param name="IsAvailable">At least one CUDA device can be used.</param>
/// <param name="Reason">What is missing, naming the library, driver or device.</param>
/// <param name="DeviceCount">CUDA devices found (0 when unavailable).</param>
/// <param name="RuntimeVersion">CUDA runtime libnativeinfer_cuda was built with (11080 = 11.8); 0 if the library is missing.</param>
/// <param name="DriverVersion">CUDA version the installed driver supports; 0 without a driver.</param>
/// <param name="Details">Lines for a verbose report (where libnativeinfer_cuda was looked for); empty when there is nothing more to say.</param>
public sealed record CudaAvailability(bool IsAvailable, string Reason, int DeviceCount, int RuntimeVersion, int DriverVersion, string Details = "");
