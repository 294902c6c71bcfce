// Q5_1: Q5_0's five-bit values with an fp16 scale d and min m, x = q·d + m. The quantizer is
// ggml's reference (d = (max − min)/31); the dot product runs against Q8_1.
#include <algorithm>
#include <cstring>

#include "../core/blocks.h"
#include "../core/half.h"
#include "q5_bits.h"
#include "reference.h"

namespace ni {

void quantize_row_q5_1_ref(const float* x, void* vy, int64_t n) {
    block_q5_1* y = static_cast<block_q5_1*>(vy);
    for (int64_t b = 0; b < n / QK5_1; ++b, x += QK5_1) {
        float lo = x[0], hi = x[0];
        for (int j = 1; j < QK5_1; ++j) {
            lo = std::min(lo, x[j]);
            hi = std::max(hi, x[j]);
        }
        const float d = (hi - lo) / 31.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = f32_to_fp16(d);
        y[b].m = f32_to_fp16(lo);
        uint32_t qh = 0;
        for (int j = 0; j < QK5_1 / 2; ++j) {
            const uint8_t q0 = (uint8_t)((x[j] - lo) * id + 0.5f);
            const uint8_t q1 = (uint8_t)((x[j + QK5_1 / 2] - lo) * id + 0.5f);
            y[b].qs[j] = (uint8_t)((q0 & 0xF) | ((q1 & 0xF) << 4));
            qh |= (uint32_t)((q0 >> 4) & 1) << j;
            qh |= (uint32_t)((q1 >> 4) & 1) << (j + QK5_1 / 2);
        }
        std::memcpy(y[b].qh, &qh, 4);
    }
}

void dequantize_row_q5_1_ref(const void* vx, float* y, int64_t n) {
    const block_q5_1* x = static_cast<const block_q5_1*>(vx);
    for (int64_t b = 0; b < n / QK5_1; ++b, y += QK5_1) {
        const float d = fp16_to_f32(x[b].d), m = fp16_to_f32(x[b].m);
        for (int j = 0; j < QK5_1; ++j) y[j] = q5_value(x[b].qs, x[b].qh, j) * d + m;
    }
}

// As vec_dot_q4_1_q8_1_ref: the min term uses the exact Σ x_q, not Q8_1's fp16 s.
float vec_dot_q5_1_q8_1_ref(int64_t n, const void* vw, const void* vx) {
    const block_q5_1* w = static_cast<const block_q5_1*>(vw);
    const block_q8_1* x = static_cast<const block_q8_1*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK5_1; ++b) {
        int32_t isum = 0, xsum = 0;
        for (int j = 0; j < QK5_1; ++j) {
            isum += q5_value(w[b].qs, w[b].qh, j) * x[b].qs[j];
            xsum += x[b].qs[j];
        }
        const double dx = fp16_to_f32(x[b].d);
        sum += dx * fp16_to_f32(w[b].d) * isum + dx * fp16_to_f32(w[b].m) * xsum;
    }
    return (float)sum;
}

}  // namespace ni
