// Q5_0: 32 five-bit values with an fp16 scale, x = (q − 16)·d. The quantizer is ggml's reference
// (the value of largest magnitude maps to −16); the dot product runs against Q8_0.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "../core/blocks.h"
#include "../core/half.h"
#include "q5_bits.h"
#include "reference.h"

namespace ni {

void quantize_row_q5_0_ref(const float* x, void* vy, int64_t n) {
    block_q5_0* y = static_cast<block_q5_0*>(vy);
    for (int64_t b = 0; b < n / QK5_0; ++b, x += QK5_0) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK5_0; ++j)
            if (amax < std::fabs(x[j])) { amax = std::fabs(x[j]); max = x[j]; }
        const float d = max / -16.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = f32_to_fp16(d);
        uint32_t qh = 0;
        for (int j = 0; j < QK5_0 / 2; ++j) {
            const uint8_t q0 = (uint8_t)std::min(31, (int)(int8_t)(x[j] * id + 16.5f));
            const uint8_t q1 = (uint8_t)std::min(31, (int)(int8_t)(x[j + QK5_0 / 2] * id + 16.5f));
            y[b].qs[j] = (uint8_t)((q0 & 0xF) | ((q1 & 0xF) << 4));
            qh |= (uint32_t)(q0 >> 4) << j;
            qh |= (uint32_t)(q1 >> 4) << (j + QK5_0 / 2);
        }
        std::memcpy(y[b].qh, &qh, 4);
    }
}

void dequantize_row_q5_0_ref(const void* vx, float* y, int64_t n) {
    const block_q5_0* x = static_cast<const block_q5_0*>(vx);
    for (int64_t b = 0; b < n / QK5_0; ++b, y += QK5_0) {
        const float d = fp16_to_f32(x[b].d);
        for (int j = 0; j < QK5_0; ++j) y[j] = (q5_value(x[b].qs, x[b].qh, j) - 16) * d;
    }
}

float vec_dot_q5_0_q8_0_ref(int64_t n, const void* vw, const void* vx) {
    const block_q5_0* w = static_cast<const block_q5_0*>(vw);
    const block_q8_0* x = static_cast<const block_q8_0*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK5_0; ++b) {
        int32_t isum = 0;
        for (int j = 0; j < QK5_0; ++j) isum += (q5_value(w[b].qs, w[b].qh, j) - 16) * x[b].qs[j];
        sum += (double)isum * fp16_to_f32(w[b].d) * fp16_to_f32(x[b].d);
    }
    return (float)sum;
}

}  // namespace ni
