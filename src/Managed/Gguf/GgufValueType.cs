namespace NativeInfer.Gguf;

/// <summary>Metadata value types, numbered as GGUF stores them (<c>enum gguf_type</c>).</summary>
public enum GgufValueType
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}
