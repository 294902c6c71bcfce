namespace NativeInfer.Gpu;

/// <summary>
/// Marks a static method as an explicitly grouped ILGPU kernel entry point. The PTX compile test finds every
/// kernel through this attribute, so a new kernel is checked for sm_80 and sm_90 without being listed anywhere.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class GpuKernelAttribute : Attribute;
