/*
 * nativeinfer.h — the one public C ABI of NativeInfer.
 *
 * NativeInfer's native library does the arithmetic of Mixture-of-Experts decoding on the CPU:
 * quantized matrix products in ggml's block formats, the MoE expert FFN, and a persistent thread
 * pool every kernel runs on. .NET binds it through [LibraryImport]; C, Rust and Python ctypes link
 * the same symbols. The last section (ni_cuda_) is a second library, libnativeinfer_cuda: an int4
 * GEMM for NVIDIA GPUs, built when a CUDA toolkit is present.
 *
 * Conventions
 *   - Every entry point returns ni_status (0 = NI_OK). On failure, ni_last_error() returns a
 *     message for the last failure *on the calling thread* (thread-local; valid until the next
 *     failing call on that thread).
 *   - No C++ exception, abort or exit ever leaves the library. Bad arguments return an error.
 *   - Counts are int64_t, byte strides are size_t (ggml's ne / nb). Read-only inputs are const.
 *     Every pointer documents its shape in [rows][cols] order, row-major.
 *   - Sizes are checked, never wrapped: every stride, and every extent derived from the arguments
 *     (bytes of a row, rows × stride, batches × batch stride, tokens × top_k, stacked experts), must
 *     be below 2^63 bytes and must not run past the end of the address space; otherwise the call returns
 *     NI_ERR_INVALID_ARGUMENT naming the argument. Scratch the library sizes from the arguments is
 *     computed the same way and fails with NI_ERR_OUT_OF_MEMORY.
 *   - Typed data keeps its natural alignment: every pointer, row stride and batch stride of f32
 *     values (and of Q8_K blocks) is a multiple of 4 bytes; of F16, BF16, Q4_0, Q8_0, Q4_K and Q6_K
 *     data (fp16 values or scales) a multiple of 2; of any other block type the largest of 4, 2, 1
 *     that divides its block bytes; int32 expert ids and f32 expert weights 4.
 *     GGUF tensor data is 32-byte aligned by default, so views of a mapped file satisfy this. A
 *     misaligned pointer or stride is NI_ERR_INVALID_ARGUMENT naming it.
 *   - The caller owns every buffer it passes in. Opaque handles come in _create/_destroy pairs.
 *   - Enums carry explicit values and only grow at the end. Types use ggml's numbering so tensor
 *     views of a GGUF file can be passed as-is.
 *   - No process-wide state changes behind the caller's back: the instruction set a kernel uses is
 *     a property of the thread pool it runs on (chosen at ni_pool_create), not a global switch.
 *
 * Worked example: y = x · Wᵀ for a Q4_0 weight matrix W[M][K] read straight out of a GGUF file.
 *
 *     ni_pool* pool;
 *     if (ni_pool_create(0, NI_ISA_AUTO, &pool) != NI_OK) { puts(ni_last_error()); return 1; }
 *     size_t row_bytes;
 *     ni_row_size(NI_TYPE_Q4_0, K, &row_bytes);             // 18 bytes per 32 values
 *     ni_status st = ni_matmul(pool, NI_TYPE_Q4_0, w, row_bytes,   // W [M][K] in Q4_0 blocks
 *                              x, K * sizeof(float),               // X [N][K] f32
 *                              y, M * sizeof(float),               // Y [N][M] f32
 *                              N, M, K);
 *     if (st != NI_OK) fprintf(stderr, "%s\n", ni_last_error());
 *     ni_pool_destroy(pool);
 */
#ifndef NATIVEINFER_H
#define NATIVEINFER_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  if defined(NI_BUILDING_LIBRARY)
#    define NI_API __declspec(dllexport)
#  else
#    define NI_API __declspec(dllimport)
#  endif
#else
#  define NI_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a signature, struct layout or enum meaning changes incompatibly. */
#define NI_ABI_VERSION 1

/* ===================================================================== status and errors */

typedef enum ni_status {
    NI_OK                   = 0,
    NI_ERR_INVALID_ARGUMENT = 1, /* null pointer, zero or negative size, bad stride, bad id   */
    NI_ERR_UNSUPPORTED_TYPE = 2, /* a type this entry point does not handle                    */
    NI_ERR_SHAPE            = 3, /* a size that is not a multiple of the type's block size      */
    NI_ERR_OUT_OF_MEMORY    = 4, /* an allocation failed                                         */
    NI_ERR_UNSUPPORTED_ISA  = 5, /* an instruction set this CPU (or this build) does not have    */
    NI_ERR_INTERNAL         = 6, /* a bug: please report the message                             */
    NI_ERR_UNAVAILABLE      = 7, /* a device or driver is missing (CUDA entry points)            */
    NI_ERR_SYSTEM           = 8  /* the operating system refused a request (message: call, errno) */
} ni_status;

/* ABI version of the loaded library; compare with NI_ABI_VERSION. */
NI_API uint32_t ni_abi_version(void);

/* Message for the last failure on the calling thread; "" if none. Never NULL. */
NI_API const char* ni_last_error(void);

/* Static name of a status ("NI_ERR_SHAPE"); "NI_ERR_UNKNOWN" for values outside the enum. */
NI_API const char* ni_status_name(int32_t status);

/* ======================================================================== types (ggml ids) */

typedef enum ni_type {
    NI_TYPE_F32  = 0,
    NI_TYPE_F16  = 1,
    NI_TYPE_Q4_0 = 2,   /* 32 values: fp16 d, 16 bytes of nibbles; x = (q - 8) * d                 */
    NI_TYPE_Q8_0 = 8,   /* 32 values: fp16 d, 32 int8; x = q * d                                   */
    NI_TYPE_Q4_K = 12,  /* 256 values: fp16 d, dmin, 12 bytes of 6-bit scales/mins, 128 of nibbles */
    NI_TYPE_Q6_K = 14,  /* 256 values: 128 low nibbles, 64 of high bits, 16 int8 scales, fp16 d     */
    NI_TYPE_Q8_K = 15,  /* 256 values: f32 d, 256 int8, 16 int16 sums of 16 (activations only)     */
    NI_TYPE_BF16 = 30,
    /* 32-value blocks (legacy formats) */
    NI_TYPE_Q4_1   = 3,   /* fp16 d, m, 16 bytes of nibbles; x = q * d + m                            */
    NI_TYPE_Q5_0   = 6,   /* fp16 d, 4 bytes of fifth bits, 16 of nibbles; x = (q - 16) * d          */
    NI_TYPE_Q5_1   = 7,   /* fp16 d, m, 4 bytes of fifth bits, 16 of nibbles; x = q * d + m          */
    NI_TYPE_Q8_1   = 9,   /* fp16 d, s = d * sum(q), 32 int8 (activations only, for Q4_1 / Q5_1)      */
    NI_TYPE_IQ4_NL = 20,  /* fp16 d, 16 bytes of nibbles indexing a 16-value non-linear grid          */
    /* 256-value super-blocks */
    NI_TYPE_Q2_K   = 10,  /* 16 sub-blocks of 16: 4-bit scale and min each, 2-bit q, fp16 d and dmin   */
    NI_TYPE_Q3_K   = 11,  /* 16 sub-blocks of 16: 6-bit signed scales, 3-bit q (2 low bits + hmask)  */
    NI_TYPE_Q5_K   = 13,  /* as Q4_K with a fifth bit per value (qh)                                   */
    NI_TYPE_IQ4_XS = 23,  /* 8 sub-blocks of 32: 6-bit scales, IQ4_NL's grid                           */
    /* i-quants (weights only, read but not written): 256 values, lattice codebooks; layouts as ggml */
    NI_TYPE_IQ2_XXS = 16, /* 66 bytes: fp16 d, 32 uint16 (grid indices, signs, 4-bit scales)        */
    NI_TYPE_IQ2_XS  = 17, /* 74 bytes: fp16 d, 32 uint16 (9-bit index | 7-bit signs), 8 scales     */
    NI_TYPE_IQ3_XXS = 18, /* 98 bytes: fp16 d, 64 grid indices, 8 words of signs and scales        */
    NI_TYPE_IQ1_S   = 19, /* 50 bytes: fp16 d, 32 index bytes, 8 uint16 of high bits/scale/shift   */
    NI_TYPE_IQ3_S   = 21, /* 110 bytes: fp16 d, 64 index bytes, 8 high-bit bytes, 32 of signs, 4 scales */
    NI_TYPE_IQ2_S   = 22, /* 82 bytes: fp16 d, 32 index bytes, 32 of signs, 8 high-bit bytes, 8 scales */
    NI_TYPE_IQ1_M   = 29  /* 56 bytes: 32 index bytes, 16 of high bits/shifts, 8 of scales (and d)  */
} ni_type;

typedef struct ni_type_info {
    int32_t type;            /* the ni_type described                                            */
    int32_t block_size;      /* values per block (1 for F32/F16/BF16)                            */
    int64_t block_bytes;     /* bytes per block                                                  */
    int32_t activation_type; /* what ni_matmul quantizes X to for this weight type               */
    int32_t is_weight_type;  /* 1 if ni_matmul / ni_moe_experts accept it as a weight type       */
    char    name[16];        /* "q4_K", as ggml spells it                                        */
} ni_type_info;

/* Describes a type; NI_ERR_UNSUPPORTED_TYPE for ids this library does not implement. */
NI_API ni_status ni_type_get_info(int32_t type, ni_type_info* out);

/* Bytes of one row of n_cols values in `type`; NI_ERR_SHAPE if n_cols is not a block multiple. */
NI_API ni_status ni_row_size(int32_t type, int64_t n_cols, size_t* out_bytes);

/* ============================================================ CPU features and instruction sets */

typedef enum ni_isa {
    NI_ISA_AUTO        = 0, /* best the CPU supports (or NATIVEINFER_ISA from the environment)   */
    NI_ISA_SCALAR      = 1, /* portable C++: the reference every other path is tested against     */
    NI_ISA_AVX2        = 2, /* AVX2 + FMA + F16C                                                  */
    NI_ISA_AVX512      = 3, /* AVX-512 F/BW/DQ/VL                                                 */
    NI_ISA_AVX512_VNNI = 4  /* AVX-512 with VNNI int8 dot products (and AVX512-BF16 if present)   */
} ni_isa;

/* Feature bits reported in ni_cpu_info.features. */
#define NI_CPU_AVX2        (1u << 0)
#define NI_CPU_FMA         (1u << 1)
#define NI_CPU_F16C        (1u << 2)
#define NI_CPU_AVX512F     (1u << 3)
#define NI_CPU_AVX512BW    (1u << 4)
#define NI_CPU_AVX512DQ    (1u << 5)
#define NI_CPU_AVX512VL    (1u << 6)
#define NI_CPU_AVX512_VNNI (1u << 7)
#define NI_CPU_AVX512_BF16 (1u << 8)
#define NI_CPU_OS_AVX512   (1u << 9)  /* the OS saves ZMM state (XCR0) */
#define NI_CPU_AVX512_VBMI (1u << 10) /* byte permutes (vpermb, vpermi2b, vpmultishiftqb)            */

typedef struct ni_cpu_info {
    uint32_t features;        /* NI_CPU_* bits                                                   */
    int32_t  best_isa;        /* highest ni_isa this CPU and build can run                       */
    int32_t  auto_isa;        /* what NI_ISA_AUTO resolves to (best_isa unless overridden)       */
    int32_t  env_override;    /* ni_isa named by NATIVEINFER_ISA, or -1 when unset               */
    int32_t  logical_cpus;    /* processors this process may run on                              */
    int32_t  reserved;
    char     brand[64];       /* CPUID brand string                                              */
} ni_cpu_info;

/* Reads CPUID once and reports it. NATIVEINFER_ISA=scalar|avx2|avx512|avx512_vnni sets auto_isa;
 * an unknown or unsupported value makes this (and ni_pool_create with NI_ISA_AUTO) fail with a
 * message naming the value. */
NI_API ni_status ni_cpu_get_info(ni_cpu_info* out);

/* Static lowercase name of an ISA ("avx512_vnni"); "unknown" for values outside the enum. */
NI_API const char* ni_isa_name(int32_t isa);

/* ================================================================================ thread pool */

/* A persistent set of worker threads. Every kernel runs on one. The pool also fixes the ISA its
 * kernels use and owns scratch memory that grows to the largest call and is then reused, so a
 * steady decode loop allocates nothing. Calls on one pool from several threads are serialized;
 * use one pool per concurrent caller to run in parallel. */
typedef struct ni_pool ni_pool;

/* n_threads: total threads including the calling thread (which works too); 0 = logical_cpus.
 * isa: an ni_isa; NI_ERR_UNSUPPORTED_ISA if this CPU cannot run it. */
NI_API ni_status ni_pool_create(int32_t n_threads, int32_t isa, ni_pool** out_pool);

/* Stops and joins the workers and frees the pool. NULL is accepted and ignored. */
NI_API ni_status ni_pool_destroy(ni_pool* pool);

/* Threads and resolved ISA of a pool. */
NI_API ni_status ni_pool_get_info(const ni_pool* pool, int32_t* out_n_threads, int32_t* out_isa);

/* Bytes of scratch the pool currently holds (grows to the largest call seen). */
NI_API ni_status ni_pool_scratch_bytes(const ni_pool* pool, size_t* out_bytes);

/* ======================================================================== quantization */

/* src [n_rows][n_cols] f32, rows src_row_stride bytes apart → dst [n_rows][row_size(type, n_cols)]
 * rows dst_row_stride bytes apart. Types: every type ni_type_get_info knows (weights and the
 * activation formats Q8_1, Q8_K). Q8_0, Q8_1, Q4_1, Q5_0, Q5_1 and BF16 reproduce ggml's reference
 * quantizers bit for bit; Q4_K and Q6_K use a least-squares search of their own, Q2_K, Q3_K, Q5_K,
 * IQ4_NL and IQ4_XS searches in the manner of ggml's (any valid encoding; small error; docs/native.md). */
NI_API ni_status ni_quantize_rows(ni_pool* pool, int32_t type,
                                  void* dst, size_t dst_row_stride,
                                  const float* src, size_t src_row_stride,
                                  int64_t n_rows, int64_t n_cols);

/* src [n_rows][row_size(type, n_cols)] → dst [n_rows][n_cols] f32, bit-exact with ggml. */
NI_API ni_status ni_dequantize_rows(ni_pool* pool, int32_t type,
                                    float* dst, size_t dst_row_stride,
                                    const void* src, size_t src_row_stride,
                                    int64_t n_rows, int64_t n_cols);

/* ============================================================================== matmul */

/* Y[N][M] = X[N][K] · W[M][K]ᵀ.
 *   w: [M][row_size(w_type, K)] weight rows, w_row_stride bytes apart (a GGUF tensor with
 *      ne = {K, M} is exactly this with w_row_stride = row_size)
 *   x: [N][K] f32, x_row_stride bytes apart; quantized internally to the weight type's
 *      activation type (ni_type_info.activation_type: Q8_0 for Q4_0/Q8_0/Q5_0/IQ4_NL, Q8_1 for
 *      Q4_1/Q5_1, Q8_K for the K-quants and IQ4_XS, F16 for F16, BF16 for BF16)
 *   y: [N][M] f32, y_row_stride bytes apart; must not overlap x or w
 * K must be a multiple of the weight type's block size. N = 1 runs a memory-bound GEMV; larger N
 * runs a tiled GEMM that reuses each weight tile across tokens. */
NI_API ni_status ni_matmul(ni_pool* pool, int32_t w_type,
                           const void* w, size_t w_row_stride,
                           const float* x, size_t x_row_stride,
                           float* y, size_t y_row_stride,
                           int64_t n, int64_t m, int64_t k);

/* Modes of ni_matmul_strided_batched. */
typedef enum ni_matmul_mode {
    NI_MATMUL_W_TRANSPOSED = 0, /* Y[N][M] = X[N][K] · W[M][K]ᵀ  (each output is a dot with a weight row)   */
    NI_MATMUL_W_ROWS       = 1  /* Y[N][K] = X[N][M] · W[M][K]   (each output row is a weighted sum of rows) */
} ni_matmul_mode;

/* `batch` independent products sharing one shape; operand b starts batch_stride bytes after
 * operand b−1 (W, X and Y each have their own stride; 0 repeats the same operand).
 *   NI_MATMUL_W_TRANSPOSED: as ni_matmul (X quantized to the weight type's activation format).
 *   NI_MATMUL_W_ROWS: Y[n][k] = Σ_m X[n][m] · W[m][k] with W's rows dequantized exactly and X used
 *     in f32 (no activation quantization); k must be a multiple of the weight block size.
 * Uses: MLA absorption q_lat[h] = W_UK[h]ᵀ q_nope[h] (W_ROWS, batched over heads, on the quantized
 * kv_b rows directly), attention scores against a KV cache (W_TRANSPOSED) and P·V (W_ROWS).
 * W rows are w_row_stride bytes apart, X rows x_row_stride, Y rows y_row_stride; Y must not overlap
 * X or W. Batches may interleave (e.g. heads side by side within each token's row: y_batch_stride =
 * a head's width, y_row_stride = all heads) as long as no two write the same element.
 * Every output element is summed by one thread in a fixed order. */
NI_API ni_status ni_matmul_strided_batched(ni_pool* pool, int32_t mode, int32_t w_type,
                                           const void* w, size_t w_row_stride, size_t w_batch_stride,
                                           const float* x, size_t x_row_stride, size_t x_batch_stride,
                                           float* y, size_t y_row_stride, size_t y_batch_stride,
                                           int64_t batch, int64_t n, int64_t m, int64_t k);

/* ======================================================================== MoE experts */

/* Stacked expert weights exactly as GGUF stores ffn_{gate,up,down}_exps:
 *   gate, up: ne = {hidden, ffn, n_experts}  → [n_experts][ffn][row_size(type, hidden)]
 *   down:     ne = {ffn, hidden, n_experts}  → [n_experts][hidden][row_size(type, ffn)]
 * Experts are contiguous: expert e starts at e * rows * row_size. */
typedef struct ni_moe_weights {
    const void* gate;
    const void* up;
    const void* down;
    int32_t gate_type;
    int32_t up_type;
    int32_t down_type;
    int32_t reserved;
    int64_t n_experts;
    int64_t hidden;   /* model width: columns of gate/up, rows of down        */
    int64_t ffn;      /* expert width: rows of gate/up, columns of down       */
} ni_moe_weights;

/* Flags for ni_moe_experts. */
#define NI_MOE_ACCUMULATE (1u << 0) /* out += result instead of out = result */

/* For every token n: out[n] = Σ_j weights[n][j] · down_e(silu(gate_e · x[n]) ⊙ (up_e · x[n])),
 * e = expert_ids[n][j].
 *   x:            [n_tokens][hidden] f32, x_row_stride bytes apart
 *   expert_ids:   [n_tokens][top_k] int32 in [0, n_experts) (validated before any work)
 *   expert_weights: [n_tokens][top_k] f32
 *   out:          [n_tokens][hidden] f32, out_row_stride bytes apart; must not overlap any input
 * For n_tokens > 1 tokens are grouped by expert so each expert's weights are read once per call.
 * Results do not depend on the thread count (every sum runs in a fixed order). */
NI_API ni_status ni_moe_experts(ni_pool* pool, const ni_moe_weights* weights,
                                const float* x, size_t x_row_stride,
                                const int32_t* expert_ids, const float* expert_weights,
                                int64_t n_tokens, int64_t top_k,
                                float* out, size_t out_row_stride, uint32_t flags);

/* ======================================================================= memory probe */

/* Reads every byte of data [bytes] once on all of the pool's threads with its widest vector loads
 * and returns a checksum (the 64-bit sum of the data as uint64 words, so nothing can be skipped).
 * Benchmarks time this to measure the read bandwidth the kernels are compared against.
 * bytes must be a positive multiple of 64; data must be 64-byte aligned. */
NI_API ni_status ni_memory_read(ni_pool* pool, const void* data, size_t bytes, uint64_t* out_checksum);

/* ===================================================================== weight memory */

/* What ni_memory_prepare does to a range of memory-mapped weights (combine with |). Each acts on
 * the range only (its mapping, its pages); nothing process-wide changes. */
#define NI_MEMORY_HUGE_PAGES 1u /* back the range with 2 MiB pages where the OS can (Linux MADV_HUGEPAGE):
                                 * pages read from disk afterwards arrive as huge pages and are mapped
                                 * whole, so a decode pass takes ~512x fewer TLB misses. Advice: where
                                 * the OS has no such thing it is not applied, and no error          */
#define NI_MEMORY_POPULATE   2u /* read the range in and map every page now, so the first forward pass
                                 * does not stall on page faults (Linux MADV_POPULATE_READ, else one
                                 * read per page)                                                     */
#define NI_MEMORY_LOCK       4u /* keep the range in RAM (mlock). NI_ERR_SYSTEM when the OS refuses,
                                 * e.g. over RLIMIT_MEMLOCK; the message says the limit. Unlocked when
                                 * the mapping is unmapped or by ni_memory_unlock                     */

/* Applies `flags` to data [bytes] in the order HUGE_PAGES, POPULATE, LOCK. The range is
 * widened to whole pages and must lie inside one mapping of the caller's (the pages before and after
 * are part of it). *out_applied (may be NULL) receives the flags that took effect: HUGE_PAGES and
 * is dropped silently where the OS or its configuration lacks it, POPULATE and LOCK fail
 * instead. Call it in pieces to report progress or to stop early; every piece is independent. */
NI_API ni_status ni_memory_prepare(const void* data, size_t bytes, uint32_t flags, uint32_t* out_applied);

/* Drops the page-cache pages of bytes [offset, offset + length) of the file at `path` (UTF-8) that no
 * process maps (Linux POSIX_FADV_DONTNEED; length 0 = to the end). Huge pages only back pages read
 * from disk after the advice: a file another program read in small pages keeps them until they are
 * dropped, so a load that wants huge pages drops the tensor data before it maps and populates it.
 * Other processes lose nothing but cached copies. *out_applied (may be NULL) is 0 where the OS has
 * no such advice. */
NI_API ni_status ni_file_drop_cache(const char* path, uint64_t offset, uint64_t length, int32_t* out_applied);

/* Undoes NI_MEMORY_LOCK for data [bytes] (munlock). */
NI_API ni_status ni_memory_unlock(const void* data, size_t bytes);

/* How much of data [bytes] is in RAM: *out_resident the bytes of its pages that are resident
 * (mincore), *out_huge the bytes the process maps with huge pages in the mappings that overlap the
 * range (Linux /proc/self/smaps: FilePmdMapped + AnonHugePages; 0 where unknown). Either may be NULL. */
NI_API ni_status ni_memory_residency(const void* data, size_t bytes, size_t* out_resident, size_t* out_huge);

/* ================================================================= ABI self-description */

/* The structs of this header, for bindings that mirror them (the .NET interop tests compare). */
typedef enum ni_abi_struct {
    NI_STRUCT_TYPE_INFO   = 0,
    NI_STRUCT_CPU_INFO    = 1,
    NI_STRUCT_MOE_WEIGHTS = 2
} ni_abi_struct;

/* sizeof(struct) and offsetof its field_index-th field in declaration order (out_offset may be
 * NULL to ask only the size). NI_ERR_INVALID_ARGUMENT past the last field. */
NI_API ni_status ni_abi_struct_layout(int32_t which, int32_t field_index, size_t* out_size, size_t* out_offset);

/* =====================================================================================
 * CUDA (libnativeinfer_cuda) — everything below is prefixed ni_cuda_ and lives in a second library
 * ===================================================================================== */

/* libnativeinfer_cuda is built next to libnativeinfer when CMake finds a CUDA toolkit. It links the
 * CUDA runtime statically, so it loads on any Linux machine; without a GPU or driver every call that
 * needs one returns NI_ERR_UNAVAILABLE and says what is missing. The repack functions are plain host
 * code and work everywhere.
 *
 * Errors: the two libraries are separate shared objects and neither depends on the other, so the
 * CUDA library keeps its own thread-local message: after a failing ni_cuda_ call read
 * ni_cuda_last_error() (same rules as ni_last_error(): per thread, "" if none, never NULL, valid
 * until the next ni_cuda_ call on that thread). ni_last_error() does not see CUDA failures.
 *
 * Devices: every call that touches a device makes it current for the duration of the call and then
 * restores whichever device the calling thread had current. Nothing else process-wide changes (no
 * cudaDeviceReset, no device flags); the only side effect is the device's primary context.
 *
 * Memory is handled through opaque ni_cuda_buffer handles (device, size, pointer), so the GEMM can
 * check every access against the buffer's size; ni_cuda_buffer_get_info hands out the raw device
 * pointer for use with other CUDA code.
 *
 * Worked example: C[M][N] = A[M][K] · Wᵀ for a Q4_0 weight W [N][K] out of a GGUF file (f16 A, C).
 *
 *     size_t wb, sb, ws, row;
 *     ni_cuda_marlin_packed_size(N, K, 32, &wb, &sb);
 *     void* hb = malloc(wb); void* hs = malloc(sb);
 *     ni_row_size(NI_TYPE_Q4_0, K, &row);                                   // 18 bytes per 32 values
 *     ni_cuda_marlin_repack(NI_TYPE_Q4_0, w, row, N, K, 32, hb, hs);        // on the host, no GPU needed
 *     ni_cuda_buffer *b, *s, *a, *c, *work;
 *     ni_cuda_malloc(0, wb, &b);  ni_cuda_memcpy_to_device(NULL, b, 0, hb, wb);
 *     ni_cuda_malloc(0, sb, &s);  ni_cuda_memcpy_to_device(NULL, s, 0, hs, sb);
 *     ni_cuda_marlin_workspace_size(N, &ws);  ni_cuda_malloc(0, ws, &work);  // zero-filled
 *     ... a: [M][K] f16 uploaded; c: [M][N] f16 ...
 *     if (ni_cuda_marlin_gemm(NULL, c, 0, N * 2, a, 0, K * 2, b, 0, s, 0, work, M, N, K, 32) != NI_OK)
 *         fprintf(stderr, "%s\n", ni_cuda_last_error());
 */

/* ABI version of the loaded CUDA library; compare with NI_ABI_VERSION. */
NI_API uint32_t ni_cuda_abi_version(void);

/* Message for the last failing ni_cuda_ call on the calling thread; "" if none. Never NULL. */
NI_API const char* ni_cuda_last_error(void);

/* ------------------------------------------------------------------------- devices */

typedef struct ni_cuda_device_info {
    int32_t device;               /* index passed to the other calls (0-based)                       */
    int32_t compute_major;        /* compute capability, e.g. 9 and 0 for an H100                    */
    int32_t compute_minor;
    int32_t sm_count;             /* streaming multiprocessors                                       */
    int64_t total_memory;         /* bytes of device memory                                          */
    int64_t memory_bandwidth;     /* peak bytes/s = 2 × memory clock × bus width / 8; 0 if unknown   */
    int32_t memory_clock_khz;     /* 0 if unknown                                                    */
    int32_t memory_bus_width;     /* bits; 0 if unknown                                              */
    int32_t max_shared_per_block; /* bytes of shared memory one block may opt in to                  */
    int32_t marlin_supported;     /* 1 if ni_cuda_marlin_gemm runs here (compute capability ≥ 8.0)   */
    char    name[256];            /* "NVIDIA H100 80GB HBM3"                                         */
} ni_cuda_device_info;

/* Number of CUDA devices. With no driver, a driver too old for this library or no device, returns
 * NI_ERR_UNAVAILABLE with *out_count = 0 and a message naming what is missing. */
NI_API ni_status ni_cuda_device_count(int32_t* out_count);

/* Properties of one device. NI_ERR_INVALID_ARGUMENT for an index outside [0, count). */
NI_API ni_status ni_cuda_device_get_info(int32_t device, ni_cuda_device_info* out_info);

/* CUDA runtime version this library was built with (11080 = 11.8) and the driver's (0 when no
 * driver is installed). Never fails for want of a device. */
NI_API ni_status ni_cuda_get_versions(int32_t* out_runtime_version, int32_t* out_driver_version);

/* ----------------------------------------------------------------- memory and streams */

typedef struct ni_cuda_buffer ni_cuda_buffer;  /* device memory: pointer, size, device             */
typedef struct ni_cuda_stream ni_cuda_stream;  /* a non-blocking CUDA stream on one device          */

/* Allocates `bytes` (> 0) of device memory on `device`, zero-filled. */
NI_API ni_status ni_cuda_malloc(int32_t device, size_t bytes, ni_cuda_buffer** out_buffer);

/* Frees the memory (after waiting for work queued on the device); a wrapped buffer's handle is released
 * and its memory left alone. NULL is accepted and ignored. */
NI_API ni_status ni_cuda_free(ni_cuda_buffer* buffer);

/* Size, device and raw device pointer of a buffer (any output may be NULL). */
NI_API ni_status ni_cuda_buffer_get_info(const ni_cuda_buffer* buffer, size_t* out_bytes,
                                         int32_t* out_device, void** out_device_pointer);

/* A handle for device memory another CUDA library allocated (ILGPU's MemoryBuffer.NativePtr, a
 * cudaMalloc of the caller's), so the copies and the GEMM can use it with their checks. The handle does
 * not own the memory: ni_cuda_free releases the handle only. `bytes` is the caller's word for the size
 * (CUDA cannot tell); every access through the handle stays inside it. Checked: pointer non-null,
 * bytes > 0, the range inside the address space, and (with a device) that CUDA knows the pointer as
 * device or managed memory of `device`. The memory must outlive the handle, and the CUDA context that
 * owns it must be current on the thread of every call that uses it (see ni_cuda_stream_wrap). */
NI_API ni_status ni_cuda_buffer_wrap(int32_t device, void* device_pointer, size_t bytes,
                                     ni_cuda_buffer** out_buffer);

/* Host → device: dst[dst_offset .. +bytes) = src[0 .. bytes). src: [bytes] host memory.
 * stream NULL: synchronous. Otherwise queued on the stream: src must stay valid and unchanged
 * until the stream is synchronized. NI_ERR_INVALID_ARGUMENT if the range leaves the buffer. */
NI_API ni_status ni_cuda_memcpy_to_device(ni_cuda_stream* stream, ni_cuda_buffer* dst, size_t dst_offset,
                                          const void* src, size_t bytes);

/* Device → host: dst[0 .. bytes) = src[src_offset .. +bytes). dst: [bytes] host memory.
 * stream NULL: synchronous. Otherwise queued: read dst only after ni_cuda_stream_synchronize. */
NI_API ni_status ni_cuda_memcpy_to_host(ni_cuda_stream* stream, void* dst, const ni_cuda_buffer* src,
                                        size_t src_offset, size_t bytes);

/* A stream on `device`; work on it runs in order, concurrently with other streams. */
NI_API ni_status ni_cuda_stream_create(int32_t device, ni_cuda_stream** out_stream);

/* A handle for a cudaStream_t the caller created (ILGPU's CudaStream.StreamPtr), so the GEMM queues
 * on the same stream as the caller's kernels and needs no synchronization between them. The handle does
 * not own the stream: ni_cuda_stream_destroy releases the handle only (it neither waits nor destroys).
 * cuda_stream must be a live, non-NULL stream of `device`; it is queried once, which fails with
 * NI_ERR_INVALID_ARGUMENT when the context that created it is not current on this thread. The library
 * calls the CUDA runtime, which uses the calling thread's current context: when the stream and buffers
 * come from a library with its own context (ILGPU creates one), make that context current around every
 * ni_cuda_ call that uses them (ILGPU: Accelerator.BindScoped()). */
NI_API ni_status ni_cuda_stream_wrap(int32_t device, void* cuda_stream, ni_cuda_stream** out_stream);

/* Waits for the stream's work, then destroys it (a wrapped stream: releases the handle only). NULL is
 * accepted and ignored. */
NI_API ni_status ni_cuda_stream_destroy(ni_cuda_stream* stream);

/* Blocks until everything queued on the stream has finished; reports errors raised by that work
 * (a kernel that faulted). stream NULL: waits for the whole current device. */
NI_API ni_status ni_cuda_stream_synchronize(ni_cuda_stream* stream);

/* ------------------------------------------------------- Marlin-style int4 GEMM (weights) */

/* The kernel multiplies f16 activations by symmetric int4 weights: w[k][n] = (q[k][n] - 8) · s[g][n]
 * with q in 0..15, one f16 scale s per group of `group_size` consecutive k (g = k / group_size) and
 * column n. group_size is 32, 64, 128, or K (one scale per output column).
 *
 * Shape rules (checked; a violation returns NI_ERR_SHAPE naming the rule):
 *   K a multiple of 128 and of group_size;  N a multiple of 64;  M ≥ 1 (any value: rows past a
 *   multiple of 16 are handled by predication, M > 64 runs in passes of 64 rows).
 *
 * Orientation: GGUF stores a weight W as [N rows][K columns] (each row one output channel); the
 * kernel's B is Wᵀ [K][N], so C = A · B = A · Wᵀ, i.e. y = x · Wᵀ exactly like ni_matmul. The repack
 * reads W in GGUF orientation and does the transposition.
 *
 * Packed layout (docs/cuda.md has the diagram): B is cut into units of 16 k × 64 n; unit (kb, nb)
 * is 512 bytes at byte offset (kb · N/64 + nb) · 512, one 16-byte slice per lane of a warp in the
 * order the tensor-core fragments want them; scales are [K/group_size][N] f16 with each run of 64
 * columns stored in the order (n % 8) · 8 + (n % 64) / 8. */

/* Bytes of the packed weights (K·N/2) and packed scales ((K/group_size)·N·2) for W [N][K]. */
NI_API ni_status ni_cuda_marlin_packed_size(int64_t n, int64_t k, int64_t group_size,
                                            size_t* out_weight_bytes, size_t* out_scale_bytes);

/* Host-side repack of a weight W [N][K] (GGUF orientation, rows w_row_stride bytes apart) into the
 * kernel layout. out_weights: [packed weight bytes]; out_scales: [packed scale bytes] (host memory).
 *   NI_TYPE_Q4_0: group_size must be 32. Lossless: the same q and d, only rearranged.
 *   NI_TYPE_F16, NI_TYPE_BF16: quantized per group with ggml's Q4_0 rule, generalised to the group
 *     size: the value of largest magnitude in a group maps to -8, d = that value / -8,
 *     q = min(15, trunc(w / d + 8.5)), the scale stored is fp16(d). For group_size 32 the result is
 *     exactly what ni_quantize_rows(NI_TYPE_Q4_0) + repack gives. A group whose scale does not fit
 *     f16 (|w| > 8 · 65504) or a non-finite weight is NI_ERR_INVALID_ARGUMENT. */
NI_API ni_status ni_cuda_marlin_repack(int32_t w_type, const void* w, size_t w_row_stride,
                                       int64_t n, int64_t k, int64_t group_size,
                                       void* out_weights, void* out_scales);

/* The inverse of the layout, for tests and tools: q_out [N][K] uint8 (0..15) and
 * scales_out [N][K/group_size] f16 bits, both in GGUF orientation, rows contiguous. */
NI_API ni_status ni_cuda_marlin_unpack(const void* weights, const void* scales,
                                       int64_t n, int64_t k, int64_t group_size,
                                       uint8_t* q_out, uint16_t* scales_out);

/* Bytes of workspace ni_cuda_marlin_gemm needs for N output columns (locks that order the global
 * reduction plus f32 partial sums; N · 256 bytes and a little). The workspace must be all zero
 * before its first use (ni_cuda_malloc gives zeroed memory); every GEMM leaves it zero again. One
 * workspace serves any number of GEMMs in sequence, but two GEMMs that may run at the same time
 * (different streams) need two workspaces. */
NI_API ni_status ni_cuda_marlin_workspace_size(int64_t n, size_t* out_bytes);

/* C[M][N] = A[M][K] · B[K][N] on the stream (NULL: the device's legacy default stream), f32
 * accumulation, queued asynchronously (errors from the running kernel surface at synchronize).
 *   c:  [M][N] f16 at c_offset, rows c_row_stride bytes apart (≥ 2N, multiple of 4; offset too)
 *   a:  [M][K] f16 at a_offset, rows a_row_stride bytes apart (≥ 2K, multiple of 16; offset too)
 *   b, scales: packed by ni_cuda_marlin_repack for this (N, K, group_size), 16-byte aligned offsets
 *   workspace: ≥ ni_cuda_marlin_workspace_size(N) bytes, see there
 * All buffers and the stream must be on one device with compute capability ≥ 8.0 (else
 * NI_ERR_UNAVAILABLE); C must not overlap any input. */
NI_API ni_status ni_cuda_marlin_gemm(ni_cuda_stream* stream,
                                     ni_cuda_buffer* c, size_t c_offset, size_t c_row_stride,
                                     const ni_cuda_buffer* a, size_t a_offset, size_t a_row_stride,
                                     const ni_cuda_buffer* b, size_t b_offset,
                                     const ni_cuda_buffer* scales, size_t scales_offset,
                                     ni_cuda_buffer* workspace,
                                     int64_t m, int64_t n, int64_t k, int64_t group_size);

/* ------------------------------------------------------------------ ABI self-description */

typedef enum ni_cuda_abi_struct {
    NI_CUDA_STRUCT_DEVICE_INFO = 0
} ni_cuda_abi_struct;

/* sizeof and field offsets of this section's structs (same contract as ni_abi_struct_layout). */
NI_API ni_status ni_cuda_abi_struct_layout(int32_t which, int32_t field_index, size_t* out_size, size_t* out_offset);

#ifdef __cplusplus
}
#endif

#endif /* NATIVEINFER_H */
