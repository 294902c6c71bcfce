// Q8_K: the activation format for K-quant dot products. ggml's reference quantizer bit for bit:
// the value of largest magnitude maps to -127 (so the scale carries its sign), ties to even.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "../core/blocks.h"
#include "reference.h"

namespace ni {

void quantize_row_q8_K_ref(const float* x, void* vy, int64_t n) {
    block_q8_K* y = static_cast<block_q8_K*>(vy);
    for (int64_t b = 0; b < n / QK_K; ++b, x += QK_K) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK_K; ++j) {
            if (std::fabs(x[j]) > amax) { amax = std::fabs(x[j]); max = x[j]; }
        }
        if (amax == 0.0f) {
            std::memset(&y[b], 0, sizeof y[b]);
            continue;
        }
        const float iscale = -127.0f / max;
        for (int j = 0; j < QK_K; ++j) y[b].qs[j] = (int8_t)std::min(127, round_half_even(iscale * x[j]));
        for (int g = 0; g < QK_K / 16; ++g) {
            int sum = 0;
            for (int j = 0; j < 16; ++j) sum += y[b].qs[16 * g + j];
            y[b].bsums[g] = (int16_t)sum;
        }
        y[b].d = 1.0f / iscale;
    }
}

void dequantize_row_q8_K_ref(const void* vx, float* y, int64_t n) {
    const block_q8_K* x = static_cast<const block_q8_K*>(vx);
    for (int64_t b = 0; b < n / QK_K; ++b)
        for (int j = 0; j < QK_K; ++j) y[b * QK_K + j] = x[b].d * x[b].qs[j];
}

}  // namespace ni
