// The scalar reference shared by the IQ2 and IQ3 formats: a super-block is 32 groups of 8 values,
// each group 8 grid magnitudes with 8 sign bits and a 4-bit sub-block scale l, and
//   x = dequant_scale(d, l) · magnitude · sign,   dequant_scale(d, l) = d·(2l + 1)/kDenominator.
// A format supplies (static members of F):
//   block                                the ggml block
//   magnitudes(b, g) -> uint64_t         the 8 magnitudes of group g, value i in byte i
//   signs(b, g) -> uint8_t               bit i set: value i is negative
//   scale(b, g) -> int                   l of group g
//   dequant_scale(d, l) -> float         ggml's expression for the group's step, evaluated as ggml does
//   kDenominator                         the exact divisor of d·(2l + 1)
// Internal to the quants/ files (anonymous namespace); no intrinsics.
#pragma once
#include <cstdint>

#include "../core/blocks.h"
#include "../core/half.h"

namespace ni {
namespace {

template <class F>
void dequantize_signed_grid(const void* vx, float* y, int64_t n) {
    const typename F::block* x = static_cast<const typename F::block*>(vx);
    for (int64_t b = 0; b < n / QK_K; ++b) {
        const float d = fp16_to_f32(x[b].d);
        for (int g = 0; g < QK_K / 8; ++g) {
            const float step = F::dequant_scale(d, F::scale(x[b], g));
            const uint64_t mag = F::magnitudes(x[b], g);
            const uint8_t signs = F::signs(x[b], g);
            for (int i = 0; i < 8; ++i) {
                const float m = (float)((mag >> (8 * i)) & 0xFF);
                *y++ = step * m * ((signs >> i) & 1 ? -1.0f : 1.0f);
            }
        }
    }
}

template <class F>
float vec_dot_signed_grid_q8_K(int64_t n, const void* vw, const void* vx) {
    const typename F::block* w = static_cast<const typename F::block*>(vw);
    const block_q8_K* x = static_cast<const block_q8_K*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK_K; ++b) {
        int64_t isum = 0;  // Σ (2l + 1) · Σ ±magnitude · q over the groups: exact
        for (int g = 0; g < QK_K / 8; ++g) {
            const uint64_t mag = F::magnitudes(w[b], g);
            const uint8_t signs = F::signs(w[b], g);
            int32_t dot = 0;
            for (int i = 0; i < 8; ++i) {
                const int m = (int)((mag >> (8 * i)) & 0xFF);
                dot += ((signs >> i) & 1 ? -m : m) * x[b].qs[8 * g + i];
            }
            isum += (int64_t)(2 * F::scale(w[b], g) + 1) * dot;
        }
        sum += (double)x[b].d * fp16_to_f32(w[b].d) * (double)isum / F::kDenominator;
    }
    return (float)sum;
}

}  // namespace
}  // namespace ni
