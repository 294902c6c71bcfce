// Prepared activations of the x86 vector kernels for the 32-value block formats Q4_1, Q5_0, Q5_1
// and IQ4_NL (x86/vector_kernels/block32.inl).
//
// The values are exactly those of ggml's Q8_0 quantization, which Q8_1 shares (q = roundf(x / d),
// d = amax/127 stored as fp16); the layout lets one vector load take the values of one block
// (AVX2) or two consecutive blocks (AVX-512):
//
//   row of K values, nb = K/32 blocks, np = nb rounded up to even
//   int8  qs[np][32]   the values of block b at 32·b (64-byte aligned when the row is)
//   float d[np]        block scales, fp16-rounded, as f32
//   float s[np]        d · Σ qs of the block (Q8_1's sum, exact before this one f32 rounding):
//                      the min term m·Σx of Q4_1 / Q5_1
// A missing odd last block is all zero (qs, d and s), so it contributes nothing.
// The AVX2 table's Q5_0 activations append int32 lanes of 16·Σx per block (x86/avx2/q5_gemv.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

namespace ni {

static inline int64_t prepared_b32_blocks(int64_t k) { return (k / 32 + 1) / 2 * 2; }

static inline size_t prepared_b32_bytes(int64_t k) { return (size_t)prepared_b32_blocks(k) * (32 + 2 * sizeof(float)); }

static inline const int8_t* prepared_b32_qs(const void* row) { return static_cast<const int8_t*>(row); }

static inline const float* prepared_b32_d(const void* row, int64_t k) {
    return reinterpret_cast<const float*>(static_cast<const char*>(row) + (size_t)prepared_b32_blocks(k) * 32);
}

static inline const float* prepared_b32_s(const void* row, int64_t k) { return prepared_b32_d(row, k) + prepared_b32_blocks(k); }

}  // namespace ni
