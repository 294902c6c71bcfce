// Prepared activations of the AVX-512 kernels for Q4_1, Q5_0, Q5_1 and IQ4_NL
// (x86/avx512_common/block32_quads.inl): Q4_0's quads of nibble planes (prepared_q4_0.h) with the
// correction factor of the weight format and each block's sum.
//
// The values are exactly those of ggml's Q8_0 quantization, which Q8_1 shares (q = roundf(x / d),
// d = amax/127 stored as fp16). A Q4 nibble register holds the 16-byte qs of four consecutive blocks
// side by side; the activations follow it:
//
//   row of K values, nb = K/32 blocks, nc = ceil(nb / 16) chunks of 16 blocks (4 quads)
//   chunk c, 896 bytes (64-byte aligned):
//     quad[q], q < 4, blocks b = 16c + 4q + j (j < 4):
//       int8  lo[64]     lo[16j + i] = x_b[i]        i < 16   (the low-nibble partners)
//       int8  hi[64]     hi[16j + i] = x_b[16 + i]            (the high-nibble partners)
//       int32 corr[16]   corr[4j + l] = −c · Σ_{i=4l}^{4l+3} (x_b[i] + x_b[16 + i])
//     float d[16]        d_x of blocks 16c .. 16c+15, fp16-rounded, as f32
//     float s[16]        d_x · Σ_i x_b[i] (Q8_1's sum, one f32 rounding): the min term of Q4_1 / Q5_1
//
// c turns unsigned weight values into the format's signed ones lane by lane: Q5_0 reads q in 0..31
// for q − 16 (c = 16), IQ4_NL on VNNI reads kvalues + 128 (c = 128); Q4_1 and Q5_1 are unsigned
// with a separate min (c = 0). Blocks past nb are zero (x, corr, d and s), so they contribute nothing.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ni {

constexpr int kQuadBlocks = 4;
constexpr int kQuadChunkBlocks = 16;

struct prepared_b32_quad {
    int8_t lo[64];
    int8_t hi[64];
    int32_t corr[16];
};
static_assert(sizeof(prepared_b32_quad) == 192, "prepared quad must be 192 bytes");

struct prepared_b32_quad_chunk {
    prepared_b32_quad quad[kQuadChunkBlocks / kQuadBlocks];
    float d[kQuadChunkBlocks];
    float s[kQuadChunkBlocks];
};
static_assert(sizeof(prepared_b32_quad_chunk) == 896, "prepared chunk must be 896 bytes (a multiple of 64)");

static inline int64_t prepared_b32_quad_chunks(int64_t k) { return (k / 32 + kQuadChunkBlocks - 1) / kQuadChunkBlocks; }

static inline size_t prepared_b32_quad_bytes(int64_t k) {
    return (size_t)prepared_b32_quad_chunks(k) * sizeof(prepared_b32_quad_chunk);
}

}  // namespace ni
