// The kernel table: one row of function pointers per ggml type, one table per instruction set.
// dispatch.cpp fills a table by layering ISA registrations (scalar, then AVX2, then AVX-512, ...),
// so an entry an ISA does not provide falls through to the next one down, ending at scalar.
#pragma once
#include <cstddef>
#include <cstdint>

#include "nativeinfer.h"

namespace ni {

constexpr int kTypeSlots = 31;  // ggml ids 0..30 (BF16 = 30)

// f32 row of n values → n values in the type (n a multiple of the block size).
using quantize_row_fn = void (*)(const float* x, void* y, int64_t n);
// n values in the type → f32.
using dequantize_row_fn = void (*)(const void* x, float* y, int64_t n);
// Bytes of one prepared activation row of k values (see prepare_act).
using act_bytes_fn = size_t (*)(int64_t k);
// y[r] = W_r · xq for r in [0, nrows): W rows w_stride bytes apart, K values each; xq is one
// activation row prepared by the same table entry's prepare_act.
using gemv_fn = void (*)(int64_t k, const void* w, size_t w_stride, int64_t nrows,
                         const void* xq, float* y);
// y[c*y_stride + r] = W_r · xq_c for r in [0, nrows), c in [0, ncols): the tile kernel for N > 1.
// xq rows are xq_stride bytes apart; y_stride counts floats.
using gemm_fn = void (*)(int64_t k, const void* w, size_t w_stride, int64_t nrows,
                         const void* xq, size_t xq_stride, int64_t ncols,
                         float* y, size_t y_stride);

// Y[c][0..k) += Σ_r X[c][r] · W_r[0..k) over nrows weight rows (W rows w_stride bytes apart, each
// starting at the same block-aligned column), for ncols output rows: the inner loop of the W_ROWS
// product. X rows are x_stride floats apart, Y rows y_stride floats apart.
using rows_axpy_fn = void (*)(int64_t k, const void* w, size_t w_stride, int64_t nrows,
                              const float* x, size_t x_stride, int64_t ncols, float* y, size_t y_stride);

struct type_kernels {
    quantize_row_fn quantize_row = nullptr;
    dequantize_row_fn dequantize_row = nullptr;
    // Weight types only. prepare_act turns an f32 activation row into what gemv/gemm read: the
    // values are exactly those of quantizing to the type's activation format (Q8_0, Q8_K, F16,
    // BF16 or F32), but each ISA may lay them out its own way (e.g. scales as f32, block sums
    // precomputed) so the dot-product loops do less work per weight row.
    act_bytes_fn act_bytes = nullptr;
    quantize_row_fn prepare_act = nullptr;
    gemv_fn gemv = nullptr;
    gemm_fn gemm = nullptr;
    rows_axpy_fn rows_axpy = nullptr;  // weight types only
};

// g[i] = silu(g[i]) · u[i] = g / (1 + e^-g) · u, the expert FFN's gate activation.
using silu_mul_fn = void (*)(float* g, const float* u, int64_t n);

// Sum of `bytes` (a multiple of 64, 64-byte aligned) as uint64 words: the bandwidth probe's loop.
using read_sum_fn = uint64_t (*)(const void* data, size_t bytes);

struct kernel_table {
    int isa = NI_ISA_SCALAR;
    type_kernels types[kTypeSlots];
    silu_mul_fn silu_mul = nullptr;
    read_sum_fn read_sum = nullptr;
};

// Registrations, one per ISA; each overwrites only the entries it implements.
void register_scalar_kernels(kernel_table& t);
void register_avx2_kernels(kernel_table& t);
void register_avx512_kernels(kernel_table& t);
void register_avx512_vnni_kernels(kernel_table& t);

// The table for a resolved ISA (never NI_ISA_AUTO). Built once, immutable afterwards.
const kernel_table& kernels_for(int isa);

}  // namespace ni
