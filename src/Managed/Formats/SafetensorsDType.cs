namespace NativeInfer.Formats;

/// <summary>Element types a safetensors header can name (its "dtype" strings; see <see cref="SafetensorsDTypes"/>).</summary>
public enum SafetensorsDType
{
    Bool,
    U8,
    I8,
    F8_E5M2,
    F8_E4M3,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    F64,
    I64,
    U64,
}
