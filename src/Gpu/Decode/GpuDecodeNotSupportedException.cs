namespace NativeInfer.Gpu.Decode;

/// <summary>
/// The GPU decode path cannot run this model: the message names the module, tensor layout or configuration it
/// has no implementation for (the CPU path is unaffected and still runs the model).
/// </summary>
public sealed class GpuDecodeNotSupportedException(string message) : NotSupportedException(message);
