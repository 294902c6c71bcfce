// F32, F16 and BF16 rows: conversions and dot products accumulated in double (the oracle).
#include "../core/half.h"
#include "reference.h"

namespace ni {

void quantize_row_f32_ref(const float* x, void* y, int64_t n) {
    float* out = static_cast<float*>(y);
    for (int64_t i = 0; i < n; ++i) out[i] = x[i];
}

void dequantize_row_f32_ref(const void* x, float* y, int64_t n) {
    const float* in = static_cast<const float*>(x);
    for (int64_t i = 0; i < n; ++i) y[i] = in[i];
}

float vec_dot_f32_f32_ref(int64_t n, const void* w, const void* x) {
    const float* a = static_cast<const float*>(w);
    const float* b = static_cast<const float*>(x);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += (double)a[i] * (double)b[i];
    return (float)sum;
}

void quantize_row_f16_ref(const float* x, void* y, int64_t n) {
    uint16_t* out = static_cast<uint16_t*>(y);
    for (int64_t i = 0; i < n; ++i) out[i] = f32_to_fp16(x[i]);
}

void dequantize_row_f16_ref(const void* x, float* y, int64_t n) {
    const uint16_t* in = static_cast<const uint16_t*>(x);
    for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_f32(in[i]);
}

float vec_dot_f16_f16_ref(int64_t n, const void* w, const void* x) {
    const uint16_t* a = static_cast<const uint16_t*>(w);
    const uint16_t* b = static_cast<const uint16_t*>(x);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += (double)fp16_to_f32(a[i]) * (double)fp16_to_f32(b[i]);
    return (float)sum;
}

void quantize_row_bf16_ref(const float* x, void* y, int64_t n) {
    uint16_t* out = static_cast<uint16_t*>(y);
    for (int64_t i = 0; i < n; ++i) out[i] = f32_to_bf16(x[i]);
}

void dequantize_row_bf16_ref(const void* x, float* y, int64_t n) {
    const uint16_t* in = static_cast<const uint16_t*>(x);
    for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_f32(in[i]);
}

float vec_dot_bf16_bf16_ref(int64_t n, const void* w, const void* x) {
    const uint16_t* a = static_cast<const uint16_t*>(w);
    const uint16_t* b = static_cast<const uint16_t*>(x);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += (double)bf16_to_f32(a[i]) * (double)bf16_to_f32(b[i]);
    return (float)sum;
}

}  // namespace ni
