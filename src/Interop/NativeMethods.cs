using System.Runtime.InteropServices;

namespace NativeInfer.Interop;

/// <summary>
/// The C ABI of libnativeinfer (native/include/nativeinfer.h), one declaration per entry point.
/// Signatures are blittable (pointers, integers, blittable structs), so no marshalling code runs.
/// Statuses come back raw; <see cref="NiException.ThrowIfFailed"/> turns them into exceptions.
/// </summary>
public static unsafe partial class NativeMethods
{
    /// <summary>Name the resolver maps to the platform's file (libnativeinfer.so on Linux).</summary>
    public const string LibraryName = "nativeinfer";

    /// <summary>The ABI version these bindings were written against (<c>NI_ABI_VERSION</c>).</summary>
    public const uint AbiVersion = 1;

    [LibraryImport(LibraryName, EntryPoint = "ni_abi_version")]
    public static partial uint GetAbiVersion();

    [LibraryImport(LibraryName, EntryPoint = "ni_last_error")]
    public static partial byte* LastError();

    [LibraryImport(LibraryName, EntryPoint = "ni_status_name")]
    public static partial byte* StatusName(int status);

    [LibraryImport(LibraryName, EntryPoint = "ni_type_get_info")]
    public static partial NiStatus TypeGetInfo(int type, NiTypeInfo* info);

    [LibraryImport(LibraryName, EntryPoint = "ni_row_size")]
    public static partial NiStatus RowSize(int type, long nCols, nuint* bytes);

    [LibraryImport(LibraryName, EntryPoint = "ni_cpu_get_info")]
    public static partial NiStatus CpuGetInfo(NiCpuInfo* info);

    [LibraryImport(LibraryName, EntryPoint = "ni_isa_name")]
    public static partial byte* IsaName(int isa);

    [LibraryImport(LibraryName, EntryPoint = "ni_pool_create")]
    public static partial NiStatus PoolCreate(int nThreads, int isa, out SafePoolHandle pool);

    [LibraryImport(LibraryName, EntryPoint = "ni_pool_destroy")]
    public static partial NiStatus PoolDestroy(nint pool);

    [LibraryImport(LibraryName, EntryPoint = "ni_pool_get_info")]
    public static partial NiStatus PoolGetInfo(SafePoolHandle pool, int* nThreads, int* isa);

    [LibraryImport(LibraryName, EntryPoint = "ni_pool_scratch_bytes")]
    public static partial NiStatus PoolScratchBytes(SafePoolHandle pool, nuint* bytes);

    [LibraryImport(LibraryName, EntryPoint = "ni_quantize_rows")]
    public static partial NiStatus QuantizeRows(SafePoolHandle pool, int type, void* dst, nuint dstRowStride,
        float* src, nuint srcRowStride, long nRows, long nCols);

    [LibraryImport(LibraryName, EntryPoint = "ni_dequantize_rows")]
    public static partial NiStatus DequantizeRows(SafePoolHandle pool, int type, float* dst, nuint dstRowStride,
        void* src, nuint srcRowStride, long nRows, long nCols);

    [LibraryImport(LibraryName, EntryPoint = "ni_matmul")]
    public static partial NiStatus MatMul(SafePoolHandle pool, int wType, void* w, nuint wRowStride,
        float* x, nuint xRowStride, float* y, nuint yRowStride, long n, long m, long k);

    [LibraryImport(LibraryName, EntryPoint = "ni_matmul_strided_batched")]
    public static partial NiStatus MatMulStridedBatched(SafePoolHandle pool, int mode, int wType, void* w, nuint wRowStride, nuint wBatchStride,
        float* x, nuint xRowStride, nuint xBatchStride, float* y, nuint yRowStride, nuint yBatchStride, long batch, long n, long m, long k);

    [LibraryImport(LibraryName, EntryPoint = "ni_moe_experts")]
    public static partial NiStatus MoeExperts(SafePoolHandle pool, NiMoeWeights* weights, float* x, nuint xRowStride,
        int* expertIds, float* expertWeights, long nTokens, long topK, float* output, nuint outputRowStride, uint flags);

    [LibraryImport(LibraryName, EntryPoint = "ni_memory_read")]
    public static partial NiStatus MemoryRead(SafePoolHandle pool, void* data, nuint bytes, ulong* checksum);

    [LibraryImport(LibraryName, EntryPoint = "ni_memory_prepare")]
    public static partial NiStatus MemoryPrepare(void* data, nuint bytes, NiMemoryFlags flags, NiMemoryFlags* applied);

    /// <param name="path">NUL-terminated UTF-8.</param>
    [LibraryImport(LibraryName, EntryPoint = "ni_file_drop_cache")]
    public static partial NiStatus FileDropCache(byte* path, ulong offset, ulong length, int* applied);

    [LibraryImport(LibraryName, EntryPoint = "ni_memory_unlock")]
    public static partial NiStatus MemoryUnlock(void* data, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "ni_memory_residency")]
    public static partial NiStatus MemoryResidency(void* data, nuint bytes, nuint* resident, nuint* huge);

    [LibraryImport(LibraryName, EntryPoint = "ni_abi_struct_layout")]
    public static partial NiStatus AbiStructLayout(int which, int fieldIndex, nuint* size, nuint* offset);
}
