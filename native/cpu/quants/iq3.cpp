// IQ3_XXS and IQ3_S: 3-bit lattice formats, groups of 4 magnitudes from a grid of 256 (values
// 4..62) or 512 points (odd values 1..15), sign bits per value, 4-bit scales per 32 values:
//   IQ3_XXS: x = d·(0.5 + l)·0.5·grid·sign        IQ3_S: x = d·(1 + 2l)·grid·sign
// Two groups of 4 make one group of 8 of iq_signed_grid.h. Dequantization matches ggml bit for bit;
// the dot product is exact in integers per super-block. Block layouts: core/blocks_iq.h.
#include <cstring>

#include "../core/blocks_iq.h"
#include "iq_signed_grid.h"
#include "iq_tables.h"
#include "reference_iq.h"

namespace ni {
namespace {

struct iq3_xxs_format {
    using block = block_iq3_xxs;
    static constexpr int kDenominator = 4;
    // The signs-and-scale word of the 32-value block holding group g (after the 64 index bytes).
    static uint32_t word(const block& b, int g) {
        uint32_t v;
        std::memcpy(&v, b.qs + QK_K / 4 + 4 * (g / 4), 4);
        return v;
    }
    static uint64_t magnitudes(const block& b, int g) {
        return (uint64_t)iq3xxs_grid[b.qs[2 * g]] | (uint64_t)iq3xxs_grid[b.qs[2 * g + 1]] << 32;
    }
    static uint8_t signs(const block& b, int g) { return ksigns_iq2xs[(word(b, g) >> (7 * (g % 4))) & 127]; }
    static int scale(const block& b, int g) { return (int)(word(b, g) >> 28); }
    // ggml's d·(0.5 + l)·0.5.
    static float dequant_scale(float d, int l) { return d * (0.5f + (float)l) * 0.5f; }
};

struct iq3_s_format {
    using block = block_iq3_s;
    static constexpr int kDenominator = 1;
    static uint64_t magnitudes(const block& b, int g) {
        const int high = b.qh[g / 4] >> (2 * (g % 4));  // the ninth index bits of its two groups of 4
        const int lo = b.qs[2 * g] | ((high & 1) << 8), hi = b.qs[2 * g + 1] | ((high & 2) << 7);
        return (uint64_t)iq3s_grid[lo] | (uint64_t)iq3s_grid[hi] << 32;
    }
    static uint8_t signs(const block& b, int g) { return b.signs[g]; }
    static int scale(const block& b, int g) { return (b.scales[g / 8] >> (4 * ((g / 4) % 2))) & 0xF; }
    // ggml's d·(1 + 2l).
    static float dequant_scale(float d, int l) { return d * (float)(1 + 2 * l); }
};

}  // namespace

void dequantize_row_iq3_xxs_ref(const void* x, float* y, int64_t n) { dequantize_signed_grid<iq3_xxs_format>(x, y, n); }
float vec_dot_iq3_xxs_q8_K_ref(int64_t n, const void* w, const void* x) { return vec_dot_signed_grid_q8_K<iq3_xxs_format>(n, w, x); }

void dequantize_row_iq3_s_ref(const void* x, float* y, int64_t n) { dequantize_signed_grid<iq3_s_format>(x, y, n); }
float vec_dot_iq3_s_q8_K_ref(int64_t n, const void* w, const void* x) { return vec_dot_signed_grid_q8_K<iq3_s_format>(n, w, x); }

}  // namespace ni
