// Q6_K: super-blocks of 256 = 16 sub-blocks of 16; x = d·scales[j]·(q − 32), q 6-bit split into
// a low nibble (ql) and two high bits (qh). Dequantization matches ggml bit for bit; the quantizer
// is our own (the value of largest magnitude maps to −32, then a least-squares scale refit).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "../core/blocks.h"
#include "../core/half.h"
#include "reference.h"

namespace ni {
namespace {

// Element e of a super-block lives in half h = e/128, at l = e%32 of quarter q = (e%128)/32:
// low nibble of ql[64h + l + 32·(q&1)] (q<2: low, q≥2: high nibble), high bits of qh[32h + l]
// at bit 2q.
inline int q6_at(const block_q6_K& blk, int e) {
    const int h = e / 128, r = e % 128, q = r / 32, l = r % 32;
    const uint8_t lowbyte = blk.ql[64 * h + l + 32 * (q & 1)];
    const int low = q < 2 ? (lowbyte & 0xF) : (lowbyte >> 4);
    const int high = (blk.qh[32 * h + l] >> (2 * q)) & 3;
    return low | (high << 4);
}

inline void q6_set(block_q6_K& blk, int e, int v) {
    const int h = e / 128, r = e % 128, q = r / 32, l = r % 32;
    uint8_t& lowbyte = blk.ql[64 * h + l + 32 * (q & 1)];
    lowbyte = q < 2 ? (uint8_t)((lowbyte & 0xF0) | (v & 0xF)) : (uint8_t)((lowbyte & 0x0F) | ((v & 0xF) << 4));
    uint8_t& highbyte = blk.qh[32 * h + l];
    highbyte = (uint8_t)((highbyte & ~(3 << (2 * q))) | (((v >> 4) & 3) << (2 * q)));
}

}  // namespace

void quantize_row_q6_K_ref(const float* x, void* vy, int64_t n) {
    block_q6_K* y = static_cast<block_q6_K*>(vy);
    for (int64_t b = 0; b < n / QK_K; ++b, x += QK_K) {
        float sub[16];
        float max_abs_scale = 0, max_scale = 0;
        for (int j = 0; j < 16; ++j) {
            const float* xs = x + 16 * j;
            float amax = 0, max = 0;
            for (int i = 0; i < 16; ++i)
                if (std::fabs(xs[i]) > amax) { amax = std::fabs(xs[i]); max = xs[i]; }
            float s = max / -32.0f;
            if (s != 0) {  // one least-squares refit of the scale for the rounded levels
                double sxl = 0, sll = 0;
                for (int i = 0; i < 16; ++i) {
                    const int l = std::clamp(round_half_even(xs[i] / s), -32, 31);
                    sxl += (double)xs[i] * l; sll += (double)l * l;
                }
                if (sll > 0) s = (float)(sxl / sll);
            }
            sub[j] = s;
            if (std::fabs(s) > max_abs_scale) { max_abs_scale = std::fabs(s); max_scale = s; }
        }
        std::memset(&y[b], 0, sizeof y[b]);
        if (max_abs_scale == 0) continue;
        const float d = max_scale / -128.0f;  // int8 scales in [-128, 127]
        const float id = 1.0f / d;
        for (int j = 0; j < 16; ++j) y[b].scales[j] = (int8_t)std::clamp(round_half_even(sub[j] * id), -128, 127);
        y[b].d = f32_to_fp16(d);
        const float dq = fp16_to_f32(y[b].d);
        for (int j = 0; j < 16; ++j) {
            const float s = dq * y[b].scales[j];
            for (int i = 0; i < 16; ++i) {
                const int l = s != 0 ? std::clamp(round_half_even(x[16 * j + i] / s), -32, 31) : 0;
                q6_set(y[b], 16 * j + i, l + 32);
            }
        }
    }
}

void dequantize_row_q6_K_ref(const void* vx, float* y, int64_t n) {
    const block_q6_K* x = static_cast<const block_q6_K*>(vx);
    for (int64_t b = 0; b < n / QK_K; ++b) {
        const float d = fp16_to_f32(x[b].d);
        for (int e = 0; e < QK_K; ++e) {
            const int8_t q = (int8_t)(q6_at(x[b], e) - 32);
            *y++ = d * x[b].scales[e / 16] * q;
        }
    }
}

float vec_dot_q6_K_q8_K_ref(int64_t n, const void* vw, const void* vx) {
    const block_q6_K* w = static_cast<const block_q6_K*>(vw);
    const block_q8_K* x = static_cast<const block_q8_K*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK_K; ++b) {
        int32_t isum = 0;
        for (int j = 0; j < 16; ++j) {
            int32_t dot = 0;
            for (int i = 0; i < 16; ++i) dot += (q6_at(w[b], 16 * j + i) - 32) * x[b].qs[16 * j + i];
            isum += w[b].scales[j] * dot;
        }
        sum += (double)x[b].d * fp16_to_f32(w[b].d) * isum;
    }
    return (float)sum;
}

}  // namespace ni
