// Q4_1: 32 four-bit values q with an fp16 scale d and min m, x = q·d + m. The quantizer is ggml's
// reference (d = (max − min)/15, q = trunc((x − min)/d + 0.5)); the dot product runs against Q8_1.
#include <algorithm>
#include <cfloat>

#include "../core/blocks.h"
#include "../core/half.h"
#include "reference.h"

namespace ni {

void quantize_row_q4_1_ref(const float* x, void* vy, int64_t n) {
    block_q4_1* y = static_cast<block_q4_1*>(vy);
    for (int64_t b = 0; b < n / QK4_1; ++b, x += QK4_1) {
        float lo = FLT_MAX, hi = -FLT_MAX;
        for (int j = 0; j < QK4_1; ++j) {
            lo = std::min(lo, x[j]);
            hi = std::max(hi, x[j]);
        }
        const float d = (hi - lo) / 15.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = f32_to_fp16(d);
        y[b].m = f32_to_fp16(lo);
        for (int j = 0; j < QK4_1 / 2; ++j) {
            const uint8_t q0 = (uint8_t)std::min(15, (int)(int8_t)((x[j] - lo) * id + 0.5f));
            const uint8_t q1 = (uint8_t)std::min(15, (int)(int8_t)((x[j + QK4_1 / 2] - lo) * id + 0.5f));
            y[b].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}

void dequantize_row_q4_1_ref(const void* vx, float* y, int64_t n) {
    const block_q4_1* x = static_cast<const block_q4_1*>(vx);
    for (int64_t b = 0; b < n / QK4_1; ++b, y += QK4_1) {
        const float d = fp16_to_f32(x[b].d), m = fp16_to_f32(x[b].m);
        for (int j = 0; j < QK4_1 / 2; ++j) {
            y[j] = (x[b].qs[j] & 0xF) * d + m;
            y[j + QK4_1 / 2] = (x[b].qs[j] >> 4) * d + m;
        }
    }
}

// Σ (q·d + m)·x̂ = d·d_x·Σ q·x_q + m·d_x·Σ x_q, both sums exact integers. The min term uses the
// exact Σ x_q rather than Q8_1's s (fp16 of d_x·Σ x_q, which ggml multiplies by m): the result is
// then the dot product of the dequantized weights and activations, like every other type's.
float vec_dot_q4_1_q8_1_ref(int64_t n, const void* vw, const void* vx) {
    const block_q4_1* w = static_cast<const block_q4_1*>(vw);
    const block_q8_1* x = static_cast<const block_q8_1*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK4_1; ++b) {
        int32_t isum = 0, xsum = 0;
        for (int j = 0; j < QK4_1 / 2; ++j) {
            isum += (w[b].qs[j] & 0xF) * x[b].qs[j] + (w[b].qs[j] >> 4) * x[b].qs[j + QK4_1 / 2];
            xsum += x[b].qs[j] + x[b].qs[j + QK4_1 / 2];
        }
        const double dx = fp16_to_f32(x[b].d);
        sum += dx * fp16_to_f32(w[b].d) * isum + dx * fp16_to_f32(w[b].m) * xsum;
    }
    return (float)sum;
}

}  // namespace ni
