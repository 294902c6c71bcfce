// Q3_K: super-blocks of 256 = 16 sub-blocks of 16; x = d·(sc − 32)·(q − 4), q in 0..7 (two low
// bits as Q2_K's plus a bit of hmask), sc 6-bit. Dequantization matches ggml bit for bit; the dot
// product runs against Q8_K. The quantizer fits each sub-block's signed scale with
// fit_symmetric_scale (weights x², as ggml's make_q3_quants), maps the scales to 6 bits against the
// one of largest magnitude, then rounds every value against its scale as stored.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "../core/blocks.h"
#include "../core/half.h"
#include "quant_search.h"
#include "reference.h"

namespace ni {

// q of element e = 128h + 32s + l: bits 2s..2s+1 of qs[32h + l] and bit 4h + s (= e / 32) of hmask[l].
static inline int q3_at(const block_q3_K& b, int e) {
    const int h = e / 128, s = (e % 128) / 32, l = e % 32;
    return ((b.qs[32 * h + l] >> (2 * s)) & 3) | (((b.hmask[l] >> (e / 32)) & 1) << 2);
}

// The j-th six-bit scale (0..63, 32 meaning zero).
static inline int q3_scale(const block_q3_K& b, int j) {
    const int low = j < 8 ? (b.scales[j] & 0xF) : (b.scales[j - 8] >> 4);
    return low | (((b.scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4);
}

void quantize_row_q3_K_ref(const float* x, void* vy, int64_t n) {
    block_q3_K* y = static_cast<block_q3_K*>(vy);
    for (int64_t b = 0; b < n / QK_K; ++b, x += QK_K) {
        float scales[16], max_abs = 0, max_scale = 0;
        int8_t L[QK_K];
        for (int j = 0; j < 16; ++j) {
            scales[j] = fit_symmetric_scale(16, 4, x + 16 * j, L + 16 * j);
            if (std::fabs(scales[j]) > max_abs) { max_abs = std::fabs(scales[j]); max_scale = scales[j]; }
        }
        std::memset(&y[b], 0, sizeof y[b]);
        if (max_scale != 0.0f) {
            const float iscale = -32.0f / max_scale;
            for (int j = 0; j < 16; ++j) {
                const int l = std::clamp(round_half_even(iscale * scales[j]), -32, 31) + 32;
                y[b].scales[j % 8] |= (uint8_t)((l & 0xF) << (j < 8 ? 0 : 4));
                y[b].scales[8 + j % 4] |= (uint8_t)((l >> 4) << (2 * (j / 4)));
            }
            y[b].d = f32_to_fp16(1.0f / iscale);
        }
        const float d = fp16_to_f32(y[b].d);
        for (int j = 0; j < 16; ++j) {
            const float dj = d * (q3_scale(y[b], j) - 32);
            for (int i = 0; i < 16; ++i)
                L[16 * j + i] = (int8_t)(dj != 0.0f ? std::clamp(round_half_even(x[16 * j + i] / dj), -4, 3) + 4 : 4);
        }
        for (int e = 0; e < QK_K; ++e) {
            const int h = e / 128, s = (e % 128) / 32, l = e % 32;
            y[b].qs[32 * h + l] |= (uint8_t)((L[e] & 3) << (2 * s));
            y[b].hmask[l] |= (uint8_t)((L[e] >> 2) << (e / 32));
        }
    }
}

void dequantize_row_q3_K_ref(const void* vx, float* y, int64_t n) {
    const block_q3_K* x = static_cast<const block_q3_K*>(vx);
    for (int64_t b = 0; b < n / QK_K; ++b) {
        const float d = fp16_to_f32(x[b].d);
        for (int j = 0; j < 16; ++j) {
            const float dl = d * (q3_scale(x[b], j) - 32);
            for (int i = 0; i < 16; ++i) *y++ = dl * (q3_at(x[b], 16 * j + i) - 4);
        }
    }
}

float vec_dot_q3_K_q8_K_ref(int64_t n, const void* vw, const void* vx) {
    const block_q3_K* w = static_cast<const block_q3_K*>(vw);
    const block_q8_K* x = static_cast<const block_q8_K*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK_K; ++b) {
        int32_t isum = 0;
        for (int j = 0; j < 16; ++j) {
            int32_t dot = 0;
            for (int i = 0; i < 16; ++i) dot += (q3_at(w[b], 16 * j + i) - 4) * x[b].qs[16 * j + i];
            isum += (q3_scale(w[b], j) - 32) * dot;
        }
        sum += (double)x[b].d * fp16_to_f32(w[b].d) * isum;
    }
    return (float)sum;
}

}  // namespace ni
