// AVX2 activation and elementwise kernels (implemented in activations.cpp), for this directory's
// registration. Functions with external linkage, but only ever called through the kernel table.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ni {

void avx2_quantize_row_q8_0(const float* x, void* y, int64_t n);
// Prepared Q8 layout (x86/common/prepared_q8.h) with lane corrections scaled by `correction`.
void avx2_prepare_q8(const float* x, void* out, int64_t k, int correction);
void avx2_quantize_row_q8_K(const float* x, void* y, int64_t n);
// Q8_0 values in the layout of x86/common/prepared_b32.h (Q4_1, Q5_0, Q5_1, IQ4_NL kernels).
void avx2_prepare_b32(const float* x, void* out, int64_t k);
void avx2_quantize_row_f16(const float* x, void* y, int64_t n);
void avx2_dequantize_row_f16(const void* x, float* y, int64_t n);
void avx2_quantize_row_bf16(const float* x, void* y, int64_t n);
void avx2_dequantize_row_bf16(const void* x, float* y, int64_t n);
void avx2_silu_mul(float* g, const float* u, int64_t n);
uint64_t avx2_read_sum(const void* data, size_t bytes);

}  // namespace ni
