// Q8_1: the activation format for Q4_1 and Q5_1 dot products. ggml's reference quantizer bit for
// bit: the values and d are Q8_0's, plus s = fp16(d · Σ q).
#include <cmath>

#include "../core/blocks.h"
#include "../core/half.h"
#include "reference.h"

namespace ni {

void quantize_row_q8_1_ref(const float* x, void* vy, int64_t n) {
    block_q8_1* y = static_cast<block_q8_1*>(vy);
    for (int64_t b = 0; b < n / QK8_1; ++b, x += QK8_1) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_1; ++j) amax = std::fmax(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int j = 0; j < QK8_1; ++j) {
            y[b].qs[j] = (int8_t)round_half_away(x[j] * id);
            sum += y[b].qs[j];
        }
        y[b].d = f32_to_fp16(d);
        y[b].s = f32_to_fp16((float)sum * d);
    }
}

void dequantize_row_q8_1_ref(const void* vx, float* y, int64_t n) {
    const block_q8_1* x = static_cast<const block_q8_1*>(vx);
    for (int64_t b = 0; b < n / QK8_1; ++b) {
        const float d = fp16_to_f32(x[b].d);
        for (int j = 0; j < QK8_1; ++j) y[b * QK8_1 + j] = x[b].qs[j] * d;
    }
}

}  // namespace ni
