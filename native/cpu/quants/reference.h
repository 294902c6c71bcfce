// Scalar reference kernels: the oracle. Built without ISA flags and with -ffp-contract=off so
// dequantization is bit-exact with ggml and results do not depend on the compiler's FMA fusion.
// Naming follows ggml: quantize_row_<t>_ref, dequantize_row_<t>_ref, vec_dot_<w>_<act>_ref.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ni {

// round(x) half away from zero, as C's roundf (ggml's Q8_0 reference rounding).
int round_half_away(float x);
// round to nearest, ties to even, as ggml's nearest_int (used by the K-quants and Q8_K).
int round_half_even(float x);

void quantize_row_f32_ref(const float* x, void* y, int64_t n);
void dequantize_row_f32_ref(const void* x, float* y, int64_t n);
float vec_dot_f32_f32_ref(int64_t n, const void* w, const void* x);

void quantize_row_f16_ref(const float* x, void* y, int64_t n);
void dequantize_row_f16_ref(const void* x, float* y, int64_t n);
float vec_dot_f16_f16_ref(int64_t n, const void* w, const void* x);

void quantize_row_bf16_ref(const float* x, void* y, int64_t n);
void dequantize_row_bf16_ref(const void* x, float* y, int64_t n);
float vec_dot_bf16_bf16_ref(int64_t n, const void* w, const void* x);

void quantize_row_q4_0_ref(const float* x, void* y, int64_t n);
void dequantize_row_q4_0_ref(const void* x, float* y, int64_t n);
float vec_dot_q4_0_q8_0_ref(int64_t n, const void* w, const void* x);

void quantize_row_q8_0_ref(const float* x, void* y, int64_t n);
void dequantize_row_q8_0_ref(const void* x, float* y, int64_t n);
float vec_dot_q8_0_q8_0_ref(int64_t n, const void* w, const void* x);

void quantize_row_q4_K_ref(const float* x, void* y, int64_t n);
void dequantize_row_q4_K_ref(const void* x, float* y, int64_t n);
float vec_dot_q4_K_q8_K_ref(int64_t n, const void* w, const void* x);

void quantize_row_q6_K_ref(const float* x, void* y, int64_t n);
void dequantize_row_q6_K_ref(const void* x, float* y, int64_t n);
float vec_dot_q6_K_q8_K_ref(int64_t n, const void* w, const void* x);

void quantize_row_q8_K_ref(const float* x, void* y, int64_t n);
void dequantize_row_q8_K_ref(const void* x, float* y, int64_t n);

void quantize_row_q4_1_ref(const float* x, void* y, int64_t n);
void dequantize_row_q4_1_ref(const void* x, float* y, int64_t n);
float vec_dot_q4_1_q8_1_ref(int64_t n, const void* w, const void* x);

void quantize_row_q5_0_ref(const float* x, void* y, int64_t n);
void dequantize_row_q5_0_ref(const void* x, float* y, int64_t n);
float vec_dot_q5_0_q8_0_ref(int64_t n, const void* w, const void* x);

void quantize_row_q5_1_ref(const float* x, void* y, int64_t n);
void dequantize_row_q5_1_ref(const void* x, float* y, int64_t n);
float vec_dot_q5_1_q8_1_ref(int64_t n, const void* w, const void* x);

void quantize_row_q8_1_ref(const float* x, void* y, int64_t n);
void dequantize_row_q8_1_ref(const void* x, float* y, int64_t n);

void quantize_row_iq4_nl_ref(const float* x, void* y, int64_t n);
void dequantize_row_iq4_nl_ref(const void* x, float* y, int64_t n);
float vec_dot_iq4_nl_q8_0_ref(int64_t n, const void* w, const void* x);

void quantize_row_q2_K_ref(const float* x, void* y, int64_t n);
void dequantize_row_q2_K_ref(const void* x, float* y, int64_t n);
float vec_dot_q2_K_q8_K_ref(int64_t n, const void* w, const void* x);

void quantize_row_q3_K_ref(const float* x, void* y, int64_t n);
void dequantize_row_q3_K_ref(const void* x, float* y, int64_t n);
float vec_dot_q3_K_q8_K_ref(int64_t n, const void* w, const void* x);

void quantize_row_q5_K_ref(const float* x, void* y, int64_t n);
void dequantize_row_q5_K_ref(const void* x, float* y, int64_t n);
float vec_dot_q5_K_q8_K_ref(int64_t n, const void* w, const void* x);

void quantize_row_iq4_xs_ref(const float* x, void* y, int64_t n);
void dequantize_row_iq4_xs_ref(const void* x, float* y, int64_t n);
float vec_dot_iq4_xs_q8_K_ref(int64_t n, const void* w, const void* x);

}  // namespace ni

namespace ni {
void silu_mul_ref(float* g, const float* u, int64_t n);
}

namespace ni {
uint64_t read_sum_ref(const void* data, size_t bytes);
}
