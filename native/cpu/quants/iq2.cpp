// IQ2_XXS, IQ2_XS, IQ2_S: 2-bit lattice formats, groups of 8 magnitudes from a grid of 256, 512
// or 1024 points (values 8, 25, 43), 8 sign bits per group, and x = d·(0.5 + l)·0.25·grid·sign.
// Dequantization matches ggml bit for bit (the same float expression); the dot product is exact in
// integers per super-block (iq_signed_grid.h). Block layouts: core/blocks_iq.h.
#include <cstring>

#include "../core/blocks_iq.h"
#include "iq_signed_grid.h"
#include "iq_tables.h"
#include "reference_iq.h"

namespace ni {
namespace {

// The step of a group with 4-bit scale l: ggml's d·(0.5 + l)·0.25.
inline float iq2_step(float d, int l) { return d * (0.5f + (float)l) * 0.25f; }

struct iq2_xxs_format {
    using block = block_iq2_xxs;
    static constexpr int kDenominator = 8;
    // The 64-bit word of the 32-value block holding group g.
    static uint64_t word(const block& b, int g) {
        uint64_t v;
        std::memcpy(&v, b.qs + 4 * (g / 4), 8);
        return v;
    }
    static uint64_t magnitudes(const block& b, int g) { return iq2xxs_grid[(word(b, g) >> (8 * (g % 4))) & 0xFF]; }
    static uint8_t signs(const block& b, int g) { return ksigns_iq2xs[(word(b, g) >> (32 + 7 * (g % 4))) & 127]; }
    static int scale(const block& b, int g) { return (int)(word(b, g) >> 60); }
    static float dequant_scale(float d, int l) { return iq2_step(d, l); }
};

struct iq2_xs_format {
    using block = block_iq2_xs;
    static constexpr int kDenominator = 8;
    static uint64_t magnitudes(const block& b, int g) { return iq2xs_grid[b.qs[g] & 511]; }
    static uint8_t signs(const block& b, int g) { return ksigns_iq2xs[b.qs[g] >> 9]; }
    static int scale(const block& b, int g) { return (b.scales[g / 4] >> (4 * ((g / 2) % 2))) & 0xF; }
    static float dequant_scale(float d, int l) { return iq2_step(d, l); }
};

struct iq2_s_format {
    using block = block_iq2_s;
    static constexpr int kDenominator = 8;
    static uint64_t magnitudes(const block& b, int g) {
        const int high = (b.qh[g / 4] >> (2 * (g % 4))) & 3;
        return iq2s_grid[b.qs[g] | high << 8];
    }
    static uint8_t signs(const block& b, int g) { return b.qs[QK_K / 8 + g]; }
    static int scale(const block& b, int g) { return (b.scales[g / 4] >> (4 * ((g / 2) % 2))) & 0xF; }
    static float dequant_scale(float d, int l) { return iq2_step(d, l); }
};

}  // namespace

void dequantize_row_iq2_xxs_ref(const void* x, float* y, int64_t n) { dequantize_signed_grid<iq2_xxs_format>(x, y, n); }
float vec_dot_iq2_xxs_q8_K_ref(int64_t n, const void* w, const void* x) { return vec_dot_signed_grid_q8_K<iq2_xxs_format>(n, w, x); }

void dequantize_row_iq2_xs_ref(const void* x, float* y, int64_t n) { dequantize_signed_grid<iq2_xs_format>(x, y, n); }
float vec_dot_iq2_xs_q8_K_ref(int64_t n, const void* w, const void* x) { return vec_dot_signed_grid_q8_K<iq2_xs_format>(n, w, x); }

void dequantize_row_iq2_s_ref(const void* x, float* y, int64_t n) { dequantize_signed_grid<iq2_s_format>(x, y, n); }
float vec_dot_iq2_s_q8_K_ref(int64_t n, const void* w, const void* x) { return vec_dot_signed_grid_q8_K<iq2_s_format>(n, w, x); }

}  // namespace ni
