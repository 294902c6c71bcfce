// IQ4_XS: super-blocks of 256 = 8 sub-blocks of 32 on IQ4_NL's grid, each with a 6-bit scale
// ls: x = d·(ls − 32)·kvalues[q]. The dot product runs against Q8_K. The quantizer fits each
// sub-block as IQ4_NL does (fit_grid_scale), maps the sub-block scales to 6 bits against the one
// of largest magnitude (d = −max/32), then picks every value's level for its scale as stored.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "../core/blocks.h"
#include "../core/half.h"
#include "quant_search.h"
#include "reference.h"

namespace ni {

static inline int iq4_xs_scale(const block_iq4_xs& b, int j) {
    return ((b.scales_l[j / 2] >> (4 * (j % 2))) & 0xF) | (((b.scales_h >> (2 * j)) & 3) << 4);
}

void quantize_row_iq4_xs_ref(const float* x, void* vy, int64_t n) {
    block_iq4_xs* y = static_cast<block_iq4_xs*>(vy);
    for (int64_t b = 0; b < n / QK_K; ++b, x += QK_K) {
        float sub[QK_K / 32], max_abs = 0, max_scale = 0;
        uint8_t L[QK_K];
        for (int j = 0; j < QK_K / 32; ++j) {
            sub[j] = fit_grid_scale(x + 32 * j, 32, kvalues_iq4nl, 7, L + 32 * j);
            if (std::fabs(sub[j]) > max_abs) { max_abs = std::fabs(sub[j]); max_scale = sub[j]; }
        }
        std::memset(&y[b], 0, sizeof y[b]);
        const float d = -max_scale / 32.0f;
        y[b].d = f32_to_fp16(d);
        const float dq = fp16_to_f32(y[b].d);
        const float id = dq != 0.0f ? 1.0f / dq : 0.0f;
        for (int j = 0; j < QK_K / 32; ++j) {
            const int l = std::clamp(round_half_even(id * sub[j]), -32, 31);
            const float dl = dq * l, idl = dl != 0.0f ? 1.0f / dl : 0.0f;
            for (int i = 0; i < 32; ++i) L[32 * j + i] = (uint8_t)nearest_level(kvalues_iq4nl, idl * x[32 * j + i]);
            y[b].scales_l[j / 2] |= (uint8_t)(((l + 32) & 0xF) << (4 * (j % 2)));
            y[b].scales_h |= (uint16_t)(((l + 32) >> 4) << (2 * j));
            for (int i = 0; i < 16; ++i) y[b].qs[16 * j + i] = (uint8_t)(L[32 * j + i] | (L[32 * j + 16 + i] << 4));
        }
    }
}

void dequantize_row_iq4_xs_ref(const void* vx, float* y, int64_t n) {
    const block_iq4_xs* x = static_cast<const block_iq4_xs*>(vx);
    for (int64_t b = 0; b < n / QK_K; ++b) {
        const float d = fp16_to_f32(x[b].d);
        for (int j = 0; j < QK_K / 32; ++j, y += 32) {
            const float dl = d * (iq4_xs_scale(x[b], j) - 32);
            const uint8_t* qs = x[b].qs + 16 * j;
            for (int i = 0; i < 16; ++i) {
                y[i] = dl * kvalues_iq4nl[qs[i] & 0xF];
                y[i + 16] = dl * kvalues_iq4nl[qs[i] >> 4];
            }
        }
    }
}

float vec_dot_iq4_xs_q8_K_ref(int64_t n, const void* vw, const void* vx) {
    const block_iq4_xs* w = static_cast<const block_iq4_xs*>(vw);
    const block_q8_K* x = static_cast<const block_q8_K*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK_K; ++b) {
        int32_t isum = 0;
        for (int j = 0; j < QK_K / 32; ++j) {
            const uint8_t* qs = w[b].qs + 16 * j;
            const int8_t* xq = x[b].qs + 32 * j;
            int32_t dot = 0;
            for (int i = 0; i < 16; ++i) dot += kvalues_iq4nl[qs[i] & 0xF] * xq[i] + kvalues_iq4nl[qs[i] >> 4] * xq[i + 16];
            isum += (iq4_xs_scale(w[b], j) - 32) * dot;
        }
        sum += (double)x[b].d * fp16_to_f32(w[b].d) * isum;
    }
    return (float)sum;
}

}  // namespace ni
