// Q8_0: 32 int8 values and one fp16 scale. The quantizer is ggml's reference bit for bit.
#include <cmath>

#include "../core/blocks.h"
#include "../core/half.h"
#include "reference.h"

namespace ni {

void quantize_row_q8_0_ref(const float* x, void* vy, int64_t n) {
    block_q8_0* y = static_cast<block_q8_0*>(vy);
    for (int64_t b = 0; b < n / QK8_0; ++b, x += QK8_0) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_0; ++j) amax = std::fmax(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = f32_to_fp16(d);
        for (int j = 0; j < QK8_0; ++j) y[b].qs[j] = (int8_t)round_half_away(x[j] * id);
    }
}

void dequantize_row_q8_0_ref(const void* vx, float* y, int64_t n) {
    const block_q8_0* x = static_cast<const block_q8_0*>(vx);
    for (int64_t b = 0; b < n / QK8_0; ++b) {
        const float d = fp16_to_f32(x[b].d);
        for (int j = 0; j < QK8_0; ++j) y[b * QK8_0 + j] = x[b].qs[j] * d;
    }
}

float vec_dot_q8_0_q8_0_ref(int64_t n, const void* vw, const void* vx) {
    const block_q8_0* w = static_cast<const block_q8_0*>(vw);
    const block_q8_0* x = static_cast<const block_q8_0*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK8_0; ++b) {
        int32_t isum = 0;
        for (int j = 0; j < QK8_0; ++j) isum += w[b].qs[j] * x[b].qs[j];
        sum += (double)isum * fp16_to_f32(w[b].d) * fp16_to_f32(x[b].d);
    }
    return (float)sum;
}

}  // namespace ni
