// Scalar reference kernels of the i-quants (see reference.h for the conventions): dequantization
// bit-exact with ggml's dequantize_row_<t>, and the dot product against Q8_K activations computed
// exactly in integers per super-block and summed in double. There is no quantizer: writing these
// formats needs an importance matrix, so the kernel table leaves quantize_row empty.
#pragma once
#include <cstdint>

namespace ni {

void dequantize_row_iq2_xxs_ref(const void* x, float* y, int64_t n);
float vec_dot_iq2_xxs_q8_K_ref(int64_t n, const void* w, const void* x);

void dequantize_row_iq2_xs_ref(const void* x, float* y, int64_t n);
float vec_dot_iq2_xs_q8_K_ref(int64_t n, const void* w, const void* x);

void dequantize_row_iq2_s_ref(const void* x, float* y, int64_t n);
float vec_dot_iq2_s_q8_K_ref(int64_t n, const void* w, const void* x);

void dequantize_row_iq3_xxs_ref(const void* x, float* y, int64_t n);
float vec_dot_iq3_xxs_q8_K_ref(int64_t n, const void* w, const void* x);

void dequantize_row_iq3_s_ref(const void* x, float* y, int64_t n);
float vec_dot_iq3_s_q8_K_ref(int64_t n, const void* w, const void* x);

void dequantize_row_iq1_s_ref(const void* x, float* y, int64_t n);
float vec_dot_iq1_s_q8_K_ref(int64_t n, const void* w, const void* x);

void dequantize_row_iq1_m_ref(const void* x, float* y, int64_t n);
float vec_dot_iq1_m_q8_K_ref(int64_t n, const void* w, const void* x);

}  // namespace ni
