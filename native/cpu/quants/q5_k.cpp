// Q5_K: Q4_K's super-block (8 sub-blocks of 32, 6-bit scales and mins) with five-bit values:
// x = d·sc·q − dmin·m, q in 0..31. Dequantization matches ggml bit for bit; the dot product runs
// against Q8_K. The quantizer fits each sub-block's scale and min by the weighted search of
// fit_scale_min (weights rms(x) + |x|, squared error, as ggml's reference), maps them to 6 bits
// against the largest, then rounds every value against the scale and min as stored.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "../core/blocks.h"
#include "../core/half.h"
#include "quant_search.h"
#include "reference.h"

namespace ni {

// Element 64g + 32h + l (h = 0 low nibble, 1 high nibble): nibble of qs[32g + l] and bit 2g + h of qh[l].
static inline int q5_K_at(const block_q5_K& b, int e) {
    const int g = e / 64, h = (e % 64) / 32, l = e % 32;
    return ((b.qs[32 * g + l] >> (4 * h)) & 0xF) | (((b.qh[l] >> (2 * g + h)) & 1) << 4);
}

void quantize_row_q5_K_ref(const float* x, void* vy, int64_t n) {
    block_q5_K* y = static_cast<block_q5_K*>(vy);
    for (int64_t b = 0; b < n / QK_K; ++b, x += QK_K) {
        float scales[8], mins[8], weights[32], max_scale = 0, max_min = 0;
        uint8_t L[QK_K];
        for (int j = 0; j < 8; ++j) {
            float sum_x2 = 0;
            for (int i = 0; i < 32; ++i) sum_x2 += x[32 * j + i] * x[32 * j + i];
            const float rms = std::sqrt(sum_x2 / 32);
            for (int i = 0; i < 32; ++i) weights[i] = rms + std::fabs(x[32 * j + i]);
            scales[j] = fit_scale_min(32, 31, x + 32 * j, weights, L + 32 * j, &mins[j], -0.5f, 0.1f, 15, false);
            max_scale = std::max(max_scale, scales[j]);
            max_min = std::max(max_min, mins[j]);
        }
        std::memset(&y[b], 0, sizeof y[b]);
        const float iscale = max_scale > 0 ? 63.0f / max_scale : 0.0f, imin = max_min > 0 ? 63.0f / max_min : 0.0f;
        uint8_t sc[8], mn[8];
        for (int j = 0; j < 8; ++j) {
            sc[j] = (uint8_t)std::clamp(round_half_even(iscale * scales[j]), 0, 63);
            mn[j] = (uint8_t)std::clamp(round_half_even(imin * mins[j]), 0, 63);
        }
        // Q4_K's packing: bytes 0-3 and 4-7 the low 6 bits of sc[0..3] and mn[0..3] (their top two
        // bits carry the high bits of sc[4..7] / mn[4..7]), bytes 8-11 the low nibbles of sc[4..7] | mn[4..7] << 4.
        for (int j = 0; j < 4; ++j) {
            y[b].scales[j] = (uint8_t)(sc[j] | ((sc[j + 4] >> 4) << 6));
            y[b].scales[j + 4] = (uint8_t)(mn[j] | ((mn[j + 4] >> 4) << 6));
            y[b].scales[j + 8] = (uint8_t)((sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4));
        }
        y[b].d = f32_to_fp16(max_scale / 63.0f);
        y[b].dmin = f32_to_fp16(max_min / 63.0f);
        const float d = fp16_to_f32(y[b].d), dmin = fp16_to_f32(y[b].dmin);
        for (int j = 0; j < 8; ++j) {
            uint8_t s6, m6;
            get_scale_min_k4(j, y[b].scales, &s6, &m6);
            const float dj = d * s6, mj = dmin * m6;
            for (int i = 0; i < 32; ++i)
                L[32 * j + i] = dj != 0.0f ? (uint8_t)std::clamp(round_half_even((x[32 * j + i] + mj) / dj), 0, 31) : 0;
        }
        for (int e = 0; e < QK_K; ++e) {
            const int g = e / 64, h = (e % 64) / 32, l = e % 32;
            y[b].qs[32 * g + l] |= (uint8_t)((L[e] & 0xF) << (4 * h));
            y[b].qh[l] |= (uint8_t)((L[e] >> 4) << (2 * g + h));
        }
    }
}

void dequantize_row_q5_K_ref(const void* vx, float* y, int64_t n) {
    const block_q5_K* x = static_cast<const block_q5_K*>(vx);
    for (int64_t b = 0; b < n / QK_K; ++b) {
        const float d = fp16_to_f32(x[b].d), dmin = fp16_to_f32(x[b].dmin);
        for (int j = 0; j < 8; ++j) {
            uint8_t sc, m;
            get_scale_min_k4(j, x[b].scales, &sc, &m);
            const float dl = d * sc, ml = dmin * m;
            for (int i = 0; i < 32; ++i) *y++ = dl * q5_K_at(x[b], 32 * j + i) - ml;
        }
    }
}

float vec_dot_q5_K_q8_K_ref(int64_t n, const void* vw, const void* vx) {
    const block_q5_K* w = static_cast<const block_q5_K*>(vw);
    const block_q8_K* x = static_cast<const block_q8_K*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK_K; ++b) {
        int32_t isum = 0, msum = 0;
        for (int j = 0; j < 8; ++j) {
            uint8_t sc, m;
            get_scale_min_k4(j, w[b].scales, &sc, &m);
            int32_t dot = 0;
            for (int i = 0; i < 32; ++i) dot += q5_K_at(w[b], 32 * j + i) * x[b].qs[32 * j + i];
            isum += sc * dot;
            msum += m * (x[b].bsums[2 * j] + x[b].bsums[2 * j + 1]);
        }
        const double dx = x[b].d;
        sum += dx * fp16_to_f32(w[b].d) * isum - dx * fp16_to_f32(w[b].dmin) * msum;
    }
    return (float)sum;
}

}  // namespace ni
