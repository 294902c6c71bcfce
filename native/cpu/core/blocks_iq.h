// Block layouts of ggml's i-quants (lattice codebook formats), bit for bit as ggml-common.h has
// them. Every block holds 256 values as 32 groups of 8 (IQ2_*, IQ1_*) or 64 groups of 4 (IQ3_*),
// each group a point of a fixed grid (quants/iq_tables.h) with its own sign bits, and sub-block
// scales l in 0..15 (or 0..7) that enter as 2l + 1. Shared by every ISA; no intrinsics.
#pragma once
#include <cstddef>
#include <cstdint>

#include "blocks.h"

namespace ni {

// IQ2_XXS, 2.06 bits per value. qs holds one 64-bit word per 32 values: bytes 0-3 are grid
// indices (iq2xxs_grid) of four groups of 8, bits 32-59 four 7-bit sign indices (ksigns_iq2xs),
// bits 60-63 the scale l; x = d·(0.5 + l)·0.25 · grid · sign.
struct block_iq2_xxs {
    fp16_t d;
    uint16_t qs[QK_K / 8];
};
static_assert(sizeof(block_iq2_xxs) == 66, "IQ2_XXS block must be 66 bytes");

// IQ2_XS, 2.31 bits per value. qs[i]: 9-bit grid index (iq2xs_grid) | 7-bit sign index << 9, one
// per group of 8; scales[j] two 4-bit scales, low nibble for values 32j..32j+15, high for the next 16;
// x = d·(0.5 + l)·0.25 · grid · sign.
struct block_iq2_xs {
    fp16_t d;
    uint16_t qs[QK_K / 8];
    uint8_t scales[QK_K / 32];
};
static_assert(sizeof(block_iq2_xs) == 74, "IQ2_XS block must be 74 bytes");

// IQ2_S, 2.56 bits per value. qs[0..31]: low 8 bits of the 10-bit grid index (iq2s_grid) per group
// of 8, qs[32..63]: 8 explicit sign bits per group; qh[j]: the index's top 2 bits for the four
// groups of 32-value block j; scales as IQ2_XS. x = d·(0.5 + l)·0.25 · grid · sign.
struct block_iq2_s {
    fp16_t d;
    uint8_t qs[QK_K / 4];
    uint8_t qh[QK_K / 32];
    uint8_t scales[QK_K / 32];
};
static_assert(sizeof(block_iq2_s) == 82, "IQ2_S block must be 82 bytes");

// IQ3_XXS, 3.06 bits per value. qs[0..63]: grid indices (iq3xxs_grid) of groups of 4; then one
// 32-bit word per 32 values: four 7-bit sign indices (each for 8 values) and the scale l in bits
// 28-31; x = d·(0.5 + l)·0.5 · grid · sign.
struct block_iq3_xxs {
    fp16_t d;
    uint8_t qs[3 * QK_K / 8];
};
static_assert(sizeof(block_iq3_xxs) == 98, "IQ3_XXS block must be 98 bytes");

// IQ3_S, 3.44 bits per value. qs: low 8 bits of the 9-bit grid index (iq3s_grid) per group of 4;
// qh[j]: the ninth bits of the 8 groups of 32-value block j; signs: one explicit bit per value;
// scales[j]: the 4-bit scales of 32-value blocks 2j (low nibble) and 2j + 1; x = d·(1 + 2l)·grid·sign.
struct block_iq3_s {
    fp16_t d;
    uint8_t qs[QK_K / 4];
    uint8_t qh[QK_K / 32];
    uint8_t signs[QK_K / 8];
    uint8_t scales[QK_K / 64];
};
static_assert(sizeof(block_iq3_s) == 110, "IQ3_S block must be 110 bytes");

// IQ1_S, 1.56 bits per value. qs: low 8 bits of the 11-bit grid index (iq1s_grid, values −1/0/1)
// per group of 8; qh[j] for 32-value block j: the four top-3-bit index parts (bits 0-11), the scale
// l (bits 12-14) and the sign of the shift (bit 15); x = d·(2l + 1)·(grid ± IQ1S_DELTA).
struct block_iq1_s {
    fp16_t d;
    uint8_t qs[QK_K / 8];
    uint16_t qh[QK_K / 32];
};
static_assert(sizeof(block_iq1_s) == 50, "IQ1_S block must be 50 bytes");

// IQ1_M, 1.75 bits per value, no separate d: the fp16 block scale is spread over the top nibbles
// of the four 16-bit words of `scales` (iq1m_scale). qs: low 8 bits of the 11-bit grid index per
// group of 8; qh[2j], qh[2j+1]: for block j's groups (0, 1) and (2, 3), 3 index bits and a shift
// sign bit per nibble; the 16-bit words hold 3-bit scales l, one per 16 values;
// x = d·(2l + 1)·(grid ± IQ1M_DELTA).
struct block_iq1_m {
    uint8_t qs[QK_K / 8];
    uint8_t qh[QK_K / 16];
    uint8_t scales[QK_K / 32];
};
static_assert(sizeof(block_iq1_m) == 56, "IQ1_M block must be 56 bytes");

// The shift of the IQ1 grids' values (ggml's IQ1S_DELTA and IQ1M_DELTA): 1/8 of a grid step.
constexpr float kIq1Delta = 0.125f;

// The fp16 bits of an IQ1_M block's scale: nibble k is the top nibble of scales' 16-bit word k.
static inline fp16_t iq1m_scale(const uint8_t* scales) {
    const uint16_t s0 = (uint16_t)(scales[0] | scales[1] << 8), s1 = (uint16_t)(scales[2] | scales[3] << 8);
    const uint16_t s2 = (uint16_t)(scales[4] | scales[5] << 8), s3 = (uint16_t)(scales[6] | scales[7] << 8);
    return (fp16_t)((s0 >> 12) | ((s1 >> 8) & 0x00F0) | ((s2 >> 4) & 0x0F00) | (s3 & 0xF000));
}

}  // namespace ni
