// Prepared Q8_0 activations for the AVX-512 Q4_0 kernels: blocks in quads, split into nibble planes.
//
// The values are exactly those of ggml's Q8_0 quantization (as prepared_q8.h); the layout follows
// one 64-byte register of Q4_0 nibbles: the 16 bytes qs of four consecutive blocks side by side.
// Byte i of a block's qs holds element i in its low nibble and element 16 + i in its high one, so
// `v & 0x0F` meets lo[] and `(v >> 4) & 0x0F` meets hi[] below, and the 4-byte lanes 4j..4j+3 of
// both products belong to block j of the quad: one scale per lane group, no byte shuffles.
//
//   row of K values, nb = K/32 blocks, nc = ceil(nb / 16) chunks of 16 blocks (4 quads)
//   chunk c, 832 bytes (64-byte aligned):
//     quad[q], q < 4, blocks b = 16c + 4q + j (j < 4):
//       int8  lo[64]     lo[16j + i] = x_b[i]        i < 16
//       int8  hi[64]     hi[16j + i] = x_b[16 + i]
//       int32 corr[16]   corr[4j + l] = −8 · Σ_{i=4l}^{4l+3} (x_b[i] + x_b[16 + i])
//     float d[16]        d_x of blocks 16c .. 16c+15, fp16-rounded, as f32
//
// corr starts the int32 accumulator: the weights are read as unsigned q in 0..15, and
// Σ(q − 8)·x = Σ q·x − 8·Σ x, lane by lane, so every block's dot product stays exact in int32.
// Blocks past nb are zero (x, corr and d), so they contribute nothing.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ni {

constexpr int kQ4QuadBlocks = 4;
constexpr int kQ4ChunkBlocks = 16;

struct prepared_q4_0_quad {
    int8_t lo[64];
    int8_t hi[64];
    int32_t corr[16];
};
static_assert(sizeof(prepared_q4_0_quad) == 192, "prepared quad must be 192 bytes");

struct prepared_q4_0_chunk {
    prepared_q4_0_quad quad[kQ4ChunkBlocks / kQ4QuadBlocks];
    float d[kQ4ChunkBlocks];
};
static_assert(sizeof(prepared_q4_0_chunk) == 832, "prepared chunk must be 832 bytes (a multiple of 64)");

static inline int64_t prepared_q4_0_chunks(int64_t k) { return (k / 32 + kQ4ChunkBlocks - 1) / kQ4ChunkBlocks; }

static inline size_t prepared_q4_0_bytes(int64_t k) { return (size_t)prepared_q4_0_chunks(k) * sizeof(prepared_q4_0_chunk); }

static inline const prepared_q4_0_chunk* prepared_q4_0_chunks_of(const void* row) {
    return static_cast<const prepared_q4_0_chunk*>(row);
}

}  // namespace ni
