// IQ1_S and IQ1_M: 1-bit lattice formats, groups of 8 values in {−1, 0, 1} from a grid of 2048
// points, shifted by ±1/8, with 3-bit scales l:  x = d·(2l + 1)·(grid ± 1/8).
//   IQ1_S: fp16 d; per 32 values one scale and one shift sign.
//   IQ1_M: d spread over the scale words; a scale per 16 values and a shift sign per 8.
// Dequantization matches ggml bit for bit; the dot product is exact in integers per super-block,
// with 8·(grid ± 1/8) = 8·grid ± 1 as the integer weight. Block layouts: core/blocks_iq.h.
#include <cstring>

#include "../core/blocks_iq.h"
#include "../core/half.h"
#include "iq_tables.h"
#include "reference_iq.h"

namespace ni {
namespace {

// A format supplies: block, d(b) (the block scale as f32), and for group g of 8 values:
// index(b, g) (into iq1s_grid), negative_shift(b, g), scale(b, g) (l in 0..7).
struct iq1_s_format {
    using block = block_iq1_s;
    static float d(const block& b) { return fp16_to_f32(b.d); }
    static int index(const block& b, int g) { return b.qs[g] | ((b.qh[g / 4] >> (3 * (g % 4))) & 7) << 8; }
    static bool negative_shift(const block& b, int g) { return (b.qh[g / 4] & 0x8000) != 0; }
    static int scale(const block& b, int g) { return (b.qh[g / 4] >> 12) & 7; }
};

struct iq1_m_format {
    using block = block_iq1_m;
    static float d(const block& b) { return fp16_to_f32(iq1m_scale(b.scales)); }
    // The nibble of qh describing group g: 3 index bits and the shift sign.
    static int nibble(const block& b, int g) { return (b.qh[g / 2] >> (4 * (g % 2))) & 0xF; }
    static int index(const block& b, int g) { return b.qs[g] | (nibble(b, g) & 7) << 8; }
    static bool negative_shift(const block& b, int g) { return (nibble(b, g) & 8) != 0; }
    static int scale(const block& b, int g) {
        const int word = b.scales[2 * (g / 8)] | b.scales[2 * (g / 8) + 1] << 8;  // 32-value blocks 2k, 2k+1
        return (word >> (6 * ((g / 4) % 2) + 3 * ((g / 2) % 2))) & 7;
    }
};

inline int8_t grid_value(int index, int i) { return (int8_t)((iq1s_grid[index] >> (8 * i)) & 0xFF); }

template <class F>
void dequantize_iq1(const void* vx, float* y, int64_t n) {
    const typename F::block* x = static_cast<const typename F::block*>(vx);
    for (int64_t b = 0; b < n / QK_K; ++b) {
        const float d = F::d(x[b]);
        for (int g = 0; g < QK_K / 8; ++g) {
            const float step = d * (float)(2 * F::scale(x[b], g) + 1);   // ggml's d·(2l + 1)
            const float delta = F::negative_shift(x[b], g) ? -kIq1Delta : kIq1Delta;
            const int index = F::index(x[b], g);
            for (int i = 0; i < 8; ++i) *y++ = step * ((float)grid_value(index, i) + delta);
        }
    }
}

template <class F>
float vec_dot_iq1_q8_K(int64_t n, const void* vw, const void* vx) {
    const typename F::block* w = static_cast<const typename F::block*>(vw);
    const block_q8_K* x = static_cast<const block_q8_K*>(vx);
    double sum = 0;
    for (int64_t b = 0; b < n / QK_K; ++b) {
        int64_t isum = 0;  // Σ (2l + 1) · Σ (8·grid ± 1) · q: 8 times the dot product in units of d
        for (int g = 0; g < QK_K / 8; ++g) {
            const int index = F::index(w[b], g), shift = F::negative_shift(w[b], g) ? -1 : 1;
            int32_t dot = 0;
            for (int i = 0; i < 8; ++i) dot += (8 * grid_value(index, i) + shift) * x[b].qs[8 * g + i];
            isum += (int64_t)(2 * F::scale(w[b], g) + 1) * dot;
        }
        sum += (double)x[b].d * F::d(w[b]) * (double)isum / 8;
    }
    return (float)sum;
}

}  // namespace

void dequantize_row_iq1_s_ref(const void* x, float* y, int64_t n) { dequantize_iq1<iq1_s_format>(x, y, n); }
float vec_dot_iq1_s_q8_K_ref(int64_t n, const void* w, const void* x) { return vec_dot_iq1_q8_K<iq1_s_format>(n, w, x); }

void dequantize_row_iq1_m_ref(const void* x, float* y, int64_t n) { dequantize_iq1<iq1_m_format>(x, y, n); }
float vec_dot_iq1_m_q8_K_ref(int64_t n, const void* w, const void* x) { return vec_dot_iq1_q8_K<iq1_m_format>(n, w, x); }

}  // namespace ni
