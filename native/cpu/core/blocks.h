// Block layouts of the ggml quantization formats, bit for bit. Shared by every ISA; no intrinsics.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ni {

constexpr int QK4_0 = 32;
constexpr int QK8_0 = 32;
constexpr int QK_K = 256;          // super-block size of the K-quants
constexpr int K_SCALE_SIZE = 12;   // Q4_K: 8 six-bit scales + 8 six-bit mins packed in 12 bytes

typedef uint16_t fp16_t;   // IEEE binary16 bits
typedef uint16_t bf16_t;   // bfloat16 bits (upper half of an f32)

// Q4_0: x = (q - 8) * d. Byte j holds element j in its low nibble, element j+16 in its high one.
struct block_q4_0 {
    fp16_t d;
    uint8_t qs[QK4_0 / 2];
};
static_assert(sizeof(block_q4_0) == 18, "Q4_0 block must be 18 bytes");

// Q8_0: x = q * d.
struct block_q8_0 {
    fp16_t d;
    int8_t qs[QK8_0];
};
static_assert(sizeof(block_q8_0) == 34, "Q8_0 block must be 34 bytes");

// Q4_K: 8 sub-blocks of 32; x = d * sc[j] * q - dmin * m[j], sc/m 6-bit (see get_scale_min_k4).
// qs: 4 groups of 32 bytes; group g holds sub-block 2g in low nibbles, 2g+1 in high nibbles.
struct block_q4_K {
    fp16_t d;
    fp16_t dmin;
    uint8_t scales[K_SCALE_SIZE];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(block_q4_K) == 144, "Q4_K block must be 144 bytes");

// Q6_K: 16 sub-blocks of 16; x = d * scales[j] * (q - 32), q = 4 low bits (ql) | 2 high bits (qh).
struct block_q6_K {
    uint8_t ql[QK_K / 2];
    uint8_t qh[QK_K / 4];
    int8_t scales[QK_K / 16];
    fp16_t d;
};
static_assert(sizeof(block_q6_K) == 210, "Q6_K block must be 210 bytes");

// Q8_K: activations for K-quant dot products; bsums[j] = sum of qs[16j .. 16j+15].
struct block_q8_K {
    float d;
    int8_t qs[QK_K];
    int16_t bsums[QK_K / 16];
};
static_assert(sizeof(block_q8_K) == 292, "Q8_K block must be 292 bytes");

// Unpacks the j-th 6-bit (scale, min) pair of a Q4_K block (ggml's packing).
static inline void get_scale_min_k4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

}  // namespace ni
