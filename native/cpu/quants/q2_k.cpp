// Q2_K: super-blocks of 256 = 16 sub-blocks of 16; x = d·sc·q − dmin·m, q in 0..3, sc and m 4-bit
// (one byte per sub-block). Dequantization matches ggml bit for bit; the dot product runs against
// Q8_K. The quantizer fits each sub-block's scale and min by the weighted search of fit_scale_min
// (weights |x|, absolute error, as ggml's reference), maps them to 4 bits against the largest,
// then rounds every value against the scale and min as stored.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "../core/blocks.h"
#include "../core/half.h"
#include "quant_search.h"
#include "reference.h"

namespace ni {

// Bits 2s..2s+1 of qs[32h + l] hold element 128h + 32s + l.
static inline int q2_at(const uint8_t* qs, int e) {
    const int h = e / 128, s = (e % 128) / 32, l = e % 32;
    return (qs[32 * h + l] >> (2 * s)) & 3;
}

void quantize_row_q2_K_ref(const float* x, void* vy, int64_t n) {
    block_q2_K* y = static_cast<block_q2_K*>(vy);
    for (int64_t b = 0; b < n / QK_K; ++b, x += QK_K) {
        float scales[16], mins[16], weights[16], max_scale = 0, max_min = 0;
        uint8_t L[QK_K];
        for (int j = 0; j < 16; ++j) {
            for (int i = 0; i < 16; ++i) weights[i] = std::fabs(x[16 * j + i]);
            scales[j] = fit_scale_min(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], -0.5f, 0.1f, 15, true);
            max_scale = std::max(max_scale, scales[j]);
            max_min = std::max(max_min, mins[j]);
        }
        std::memset(&y[b], 0, sizeof y[b]);
        const float iscale = max_scale > 0 ? 15.0f / max_scale : 0.0f, imin = max_min > 0 ? 15.0f / max_min : 0.0f;
        for (int j = 0; j < 16; ++j) {
            const int sc = std::clamp(round_half_even(iscale * scales[j]), 0, 15);
            const int m = std::clamp(round_half_even(imin * mins[j]), 0, 15);
            y[b].scales[j] = (uint8_t)(sc | (m << 4));
        }
        y[b].d = f32_to_fp16(max_scale / 15.0f);
        y[b].dmin = f32_to_fp16(max_min / 15.0f);
        const float d = fp16_to_f32(y[b].d), dmin = fp16_to_f32(y[b].dmin);
        for (int j = 0; j < 16; ++j) {
            const float dj = d * (y[b].scales[j] & 0xF), mj = dmin * (y[b].scales[j] >> 4);
            for (int i = 0; i < 16; ++i)
                L[16 * j + i] = dj != 0.0f ? (uint8_t)std::clamp(round_half_even((x[16 * j + i] + mj) / dj), 0, 3) : 0;
        }
        for (int e = 0; e < QK_K; ++e) {
            const int h = e / 128, s = (e % 128) / 32, l = e % 32;
            y[b].qs[32 * h + l] |= (uint8_t)(L[e] << (2 * s));
        }
    }
}

void dequantize_row_q2_K_ref(const void* vx, float* y, int64_t n) {
    const block_q2_K* x = static_cast<const block_q2_K*>(vx);
    for (int64_t b = 0; b < n / QK_K; ++b) {
        const float d = fp16_to_f32(x[b].d), dmin = fp16_to_f32(x[b].dmin);
        for (int j = 0; j < 16; ++j) {
            const float dl = d * (x[b].scales[j] & 0xF), ml = dmin * (x[b].scales[j] >> 4);
            for (int i = 0; i < 16; ++i) *y++ = dl * q2_at(x[b].qs, 16 * j + i) - ml;
        }
    }
}

float vec_dot_q2_K_q8_K_ref(int64_t n, const void* vw, const void* vx) {
    const block_q2_K* w = static_cast<const block_q2_K*>(vw);
    const block_q8_K* x = static_cast<const block_q8_K*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK_K; ++b) {
        int32_t isum = 0, msum = 0;
        for (int j = 0; j < 16; ++j) {
            int32_t dot = 0;
            for (int i = 0; i < 16; ++i) dot += q2_at(w[b].qs, 16 * j + i) * x[b].qs[16 * j + i];
            isum += (w[b].scales[j] & 0xF) * dot;
            msum += (w[b].scales[j] >> 4) * x[b].bsums[j];
        }
        const double dx = x[b].d;
        sum += dx * fp16_to_f32(w[b].d) * isum - dx * fp16_to_f32(w[b].dmin) * msum;
    }
    return (float)sum;
}

}  // namespace ni
