// Q4_K: super-blocks of 256 = 8 sub-blocks of 32; x = d·sc[j]·q − dmin·m[j], q in 0..15,
// sc and m 6-bit. Dequantization matches ggml bit for bit; the quantizer is our own
// least-squares fit (any valid encoding is acceptable; the error is what matters).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "../core/blocks.h"
#include "../core/half.h"
#include "reference.h"

namespace ni {
namespace {

// Fits x ≈ s·L − m with L in [0, 15], s > 0, m ≥ 0 by alternating rounding and 2×2 least squares.
void fit_affine_4bit(const float* x, int n, float* out_scale, float* out_min) {
    float lo = x[0], hi = x[0];
    for (int i = 1; i < n; ++i) { lo = std::min(lo, x[i]); hi = std::max(hi, x[i]); }
    lo = std::min(lo, 0.0f);  // the format subtracts a non-negative min
    if (hi <= lo) { *out_scale = 0; *out_min = -lo; return; }
    float s = (hi - lo) / 15.0f, m = -lo;
    float best_err = INFINITY, best_s = s, best_m = m;
    for (int iter = 0; iter < 6; ++iter) {
        double sl = 0, sll = 0, sx = 0, slx = 0, err = 0;
        for (int i = 0; i < n; ++i) {
            const int l = std::clamp((int)std::lround((x[i] + m) / s), 0, 15);
            const double r = s * l - m - x[i];
            err += r * r;
            sl += l; sll += (double)l * l; sx += x[i]; slx += (double)l * x[i];
        }
        if (err < best_err) { best_err = (float)err; best_s = s; best_m = m; }
        // Minimize Σ (s·l − m − x)²: [sll −sl; sl −n] [s; m] = [slx; sx].
        const double det = sll * n - sl * sl;
        if (det <= 0) break;
        double ns = (n * slx - sl * sx) / det;
        double nm = (sl * slx - sll * sx) / det;
        if (nm < 0) { nm = 0; ns = sll > 0 ? slx / sll : ns; }  // clamp the min, refit the scale
        if (!(ns > 0)) break;
        s = (float)ns; m = (float)nm;
    }
    *out_scale = best_s;
    *out_min = best_m;
}

}  // namespace

void quantize_row_q4_K_ref(const float* x, void* vy, int64_t n) {
    block_q4_K* y = static_cast<block_q4_K*>(vy);
    for (int64_t b = 0; b < n / QK_K; ++b, x += QK_K) {
        float scales[8], mins[8], max_scale = 0, max_min = 0;
        for (int j = 0; j < 8; ++j) {
            fit_affine_4bit(x + 32 * j, 32, &scales[j], &mins[j]);
            max_scale = std::max(max_scale, scales[j]);
            max_min = std::max(max_min, mins[j]);
        }
        const float d = max_scale / 63.0f, dmin = max_min / 63.0f;
        const float id = d > 0 ? 1.0f / d : 0.0f, idmin = dmin > 0 ? 1.0f / dmin : 0.0f;
        uint8_t sc[8], mn[8];
        for (int j = 0; j < 8; ++j) {
            sc[j] = (uint8_t)std::clamp(round_half_even(scales[j] * id), 0, 63);
            mn[j] = (uint8_t)std::clamp(round_half_even(mins[j] * idmin), 0, 63);
        }
        // Pack: bytes 0-3 low 6 bits of sc[0..3] (top 2 bits carry sc[4..7]'s high bits),
        // bytes 4-7 the same for the mins, bytes 8-11 low nibbles of sc[4..7] | mins[4..7] << 4.
        std::memset(y[b].scales, 0, sizeof y[b].scales);
        for (int j = 0; j < 4; ++j) {
            y[b].scales[j] = (uint8_t)(sc[j] | ((sc[j + 4] >> 4) << 6));
            y[b].scales[j + 4] = (uint8_t)(mn[j] | ((mn[j + 4] >> 4) << 6));
            y[b].scales[j + 8] = (uint8_t)((sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4));
        }
        y[b].d = f32_to_fp16(d);
        y[b].dmin = f32_to_fp16(dmin);
        // Quantize against the scales as stored (after fp16 and 6-bit rounding).
        const float dq = fp16_to_f32(y[b].d), dminq = fp16_to_f32(y[b].dmin);
        uint8_t L[QK_K];
        for (int j = 0; j < 8; ++j) {
            uint8_t s6, m6;
            get_scale_min_k4(j, y[b].scales, &s6, &m6);
            const float ds = dq * s6, dm = dminq * m6;
            for (int i = 0; i < 32; ++i) {
                L[32 * j + i] = ds > 0 ? (uint8_t)std::clamp(round_half_even((x[32 * j + i] + dm) / ds), 0, 15) : 0;
            }
        }
        for (int g = 0; g < 4; ++g)
            for (int i = 0; i < 32; ++i)
                y[b].qs[32 * g + i] = (uint8_t)(L[64 * g + i] | (L[64 * g + 32 + i] << 4));
    }
}

void dequantize_row_q4_K_ref(const void* vx, float* y, int64_t n) {
    const block_q4_K* x = static_cast<const block_q4_K*>(vx);
    for (int64_t b = 0; b < n / QK_K; ++b) {
        const float d = fp16_to_f32(x[b].d), dmin = fp16_to_f32(x[b].dmin);
        const uint8_t* q = x[b].qs;
        for (int g = 0; g < 4; ++g, q += 32) {
            uint8_t sc, m;
            get_scale_min_k4(2 * g, x[b].scales, &sc, &m);
            const float d1 = d * sc, m1 = dmin * m;
            get_scale_min_k4(2 * g + 1, x[b].scales, &sc, &m);
            const float d2 = d * sc, m2 = dmin * m;
            for (int i = 0; i < 32; ++i) *y++ = d1 * (q[i] & 0xF) - m1;
            for (int i = 0; i < 32; ++i) *y++ = d2 * (q[i] >> 4) - m2;
        }
    }
}

float vec_dot_q4_K_q8_K_ref(int64_t n, const void* vw, const void* vx) {
    const block_q4_K* w = static_cast<const block_q4_K*>(vw);
    const block_q8_K* x = static_cast<const block_q8_K*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK_K; ++b) {
        int32_t isum = 0, msum = 0;
        for (int j = 0; j < 8; ++j) {
            uint8_t sc, m;
            get_scale_min_k4(j, w[b].scales, &sc, &m);
            const uint8_t* q = w[b].qs + 32 * (j / 2);
            const int shift = (j % 2) * 4;
            int32_t dot = 0;
            for (int i = 0; i < 32; ++i) dot += ((q[i] >> shift) & 0xF) * x[b].qs[32 * j + i];
            isum += sc * dot;
            msum += m * (x[b].bsums[2 * j] + x[b].bsums[2 * j + 1]);
        }
        const double dx = x[b].d;
        sum += dx * fp16_to_f32(w[b].d) * isum - dx * fp16_to_f32(w[b].dmin) * msum;
    }
    return (float)sum;
}

}  // namespace ni
