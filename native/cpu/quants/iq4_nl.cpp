// IQ4_NL: 32 values, each a 4-bit index into ggml's 16-level non-linear grid kvalues_iq4nl, times
// an fp16 scale: x = d·kvalues[q]. The dot product runs against Q8_0. The quantizer searches 15
// trial scales around the one that maps the value of largest magnitude to the grid's −127 end
// (fit_grid_scale, as ggml's quantizer does), then picks each value's nearest level for the scale
// as stored in fp16.
#include "../core/blocks.h"
#include "../core/half.h"
#include "quant_search.h"
#include "reference.h"

namespace ni {

void quantize_row_iq4_nl_ref(const float* x, void* vy, int64_t n) {
    block_iq4_nl* y = static_cast<block_iq4_nl*>(vy);
    for (int64_t b = 0; b < n / QK4_NL; ++b, x += QK4_NL) {
        uint8_t L[QK4_NL];
        y[b].d = f32_to_fp16(fit_grid_scale(x, QK4_NL, kvalues_iq4nl, 7, L));
        const float d = fp16_to_f32(y[b].d);
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        for (int j = 0; j < QK4_NL; ++j) L[j] = (uint8_t)nearest_level(kvalues_iq4nl, id * x[j]);
        for (int j = 0; j < QK4_NL / 2; ++j) y[b].qs[j] = (uint8_t)(L[j] | (L[j + QK4_NL / 2] << 4));
    }
}

void dequantize_row_iq4_nl_ref(const void* vx, float* y, int64_t n) {
    const block_iq4_nl* x = static_cast<const block_iq4_nl*>(vx);
    for (int64_t b = 0; b < n / QK4_NL; ++b, y += QK4_NL) {
        const float d = fp16_to_f32(x[b].d);
        for (int j = 0; j < QK4_NL / 2; ++j) {
            y[j] = d * kvalues_iq4nl[x[b].qs[j] & 0xF];
            y[j + QK4_NL / 2] = d * kvalues_iq4nl[x[b].qs[j] >> 4];
        }
    }
}

float vec_dot_iq4_nl_q8_0_ref(int64_t n, const void* vw, const void* vx) {
    const block_iq4_nl* w = static_cast<const block_iq4_nl*>(vw);
    const block_q8_0* x = static_cast<const block_q8_0*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK4_NL; ++b) {
        int32_t isum = 0;
        for (int j = 0; j < QK4_NL / 2; ++j)
            isum += kvalues_iq4nl[w[b].qs[j] & 0xF] * x[b].qs[j] + kvalues_iq4nl[w[b].qs[j] >> 4] * x[b].qs[j + QK4_NL / 2];
        sum += (double)isum * fp16_to_f32(w[b].d) * fp16_to_f32(x[b].d);
    }
    return (float)sum;
}

}  // namespace ni
