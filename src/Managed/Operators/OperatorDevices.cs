namespace NativeInfer.Operators;

/// <summary>Where an implementation runs.</summary>
[Flags]
public enum OperatorDevices
{
    Cpu = 1,
    Cuda = 2,
}
