// Prepared Q8_0 activations: how the x86 kernels for Q4_0 and Q8_0 weights read X.
//
// The values are exactly those of ggml's Q8_0 quantization (q = roundf(x / d), d = amax/127 stored
// as fp16); only the layout differs, so every weight row's dot product does less work:
//
//   row of K values, nb = K/32 blocks, np = ceil(nb / 2) pairs
//   pair p, 128 bytes (64-byte aligned):  int8  qs[64]    blocks 2p and 2p+1, 32 values each
//                                         int32 corr[16]  8 lane corrections per block (below)
//   then float d[2·np]                    block scales, fp16-rounded, as f32
//
// corr[8j + l] = −c · Σ_{i=4l}^{4l+3} qs[32j + i]: the term that turns an unsigned-by-signed dot
// product of 4-value lanes (what maddubs+madd and vpdpbusd compute) into the signed one:
//   Q4_0 weights are read as unsigned q in 0..15:          Σ (q − 8)·x = Σ q·x − 8·Σ x   → c = 8
//   Q8_0 weights on VNNI are read as unsigned (w + 128):   Σ w·x = Σ (w+128)·x − 128·Σ x → c = 128
//   Q8_0 weights on AVX2 use the sign trick instead                                     → c = 0
// A missing odd last block is all zero (q, corr and d), so it contributes nothing.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ni {

struct prepared_q8_pair {
    int8_t qs[64];
    int32_t corr[16];
};
static_assert(sizeof(prepared_q8_pair) == 128, "prepared pair must be 128 bytes");

static inline int64_t prepared_q8_pairs(int64_t k) { return (k / 32 + 1) / 2; }

static inline size_t prepared_q8_bytes(int64_t k) {
    const int64_t np = prepared_q8_pairs(k);
    return (size_t)np * sizeof(prepared_q8_pair) + (size_t)(2 * np) * sizeof(float);
}

static inline const prepared_q8_pair* prepared_q8_pairs_of(const void* row) {
    return static_cast<const prepared_q8_pair*>(row);
}

static inline const float* prepared_q8_scales(const void* row, int64_t k) {
    return reinterpret_cast<const float*>(static_cast<const char*>(row) + (size_t)prepared_q8_pairs(k) * sizeof(prepared_q8_pair));
}

}  // namespace ni
