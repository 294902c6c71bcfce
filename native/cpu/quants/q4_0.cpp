// Q4_0: 32 four-bit values (q - 8) and one fp16 scale. The quantizer is ggml's reference.
#include <algorithm>
#include <cmath>

#include "../core/blocks.h"
#include "../core/half.h"
#include "reference.h"

namespace ni {

void quantize_row_q4_0_ref(const float* x, void* vy, int64_t n) {
    block_q4_0* y = static_cast<block_q4_0*>(vy);
    for (int64_t b = 0; b < n / QK4_0; ++b, x += QK4_0) {
        // The value of largest magnitude maps to -8 exactly, so its sign picks the scale's sign.
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK4_0; ++j) {
            if (amax < std::fabs(x[j])) { amax = std::fabs(x[j]); max = x[j]; }
        }
        const float d = max / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = f32_to_fp16(d);
        for (int j = 0; j < QK4_0 / 2; ++j) {
            const uint8_t lo = (uint8_t)std::min(15, (int)(int8_t)(x[j] * id + 8.5f));
            const uint8_t hi = (uint8_t)std::min(15, (int)(int8_t)(x[j + QK4_0 / 2] * id + 8.5f));
            y[b].qs[j] = (uint8_t)(lo | (hi << 4));
        }
    }
}

void dequantize_row_q4_0_ref(const void* vx, float* y, int64_t n) {
    const block_q4_0* x = static_cast<const block_q4_0*>(vx);
    for (int64_t b = 0; b < n / QK4_0; ++b) {
        const float d = fp16_to_f32(x[b].d);
        for (int j = 0; j < QK4_0 / 2; ++j) {
            y[b * QK4_0 + j] = (float)((x[b].qs[j] & 0xF) - 8) * d;
            y[b * QK4_0 + j + QK4_0 / 2] = (float)((x[b].qs[j] >> 4) - 8) * d;
        }
    }
}

float vec_dot_q4_0_q8_0_ref(int64_t n, const void* vw, const void* vx) {
    const block_q4_0* w = static_cast<const block_q4_0*>(vw);
    const block_q8_0* x = static_cast<const block_q8_0*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK4_0; ++b) {
        int32_t isum = 0;
        for (int j = 0; j < QK4_0 / 2; ++j) {
            isum += ((w[b].qs[j] & 0xF) - 8) * x[b].qs[j];
            isum += ((w[b].qs[j] >> 4) - 8) * x[b].qs[j + QK4_0 / 2];
        }
        sum += (double)isum * fp16_to_f32(w[b].d) * fp16_to_f32(x[b].d);
    }
    return (float)sum;
}

}  // namespace ni
