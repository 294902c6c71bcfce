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

// ---- Q4_1, Q5_0, Q5_1, Q8_1, Q2_K, Q3_K, Q5_K, IQ4_NL, IQ4_XS (ggml-common.h, bit for bit)

constexpr int QK4_1 = 32;
constexpr int QK5_0 = 32;
constexpr int QK5_1 = 32;
constexpr int QK8_1 = 32;
constexpr int QK4_NL = 32;

// Q4_1: x = q * d + m, q in 0..15; nibbles as Q4_0 (element j low, j + 16 high).
struct block_q4_1 {
    fp16_t d;
    fp16_t m;
    uint8_t qs[QK4_1 / 2];
};
static_assert(sizeof(block_q4_1) == 20, "Q4_1 block must be 20 bytes");

// Q5_0: x = (q - 16) * d, q in 0..31: low 4 bits as Q4_0, bit 4 of element j is bit j of qh.
struct block_q5_0 {
    fp16_t d;
    uint8_t qh[4];
    uint8_t qs[QK5_0 / 2];
};
static_assert(sizeof(block_q5_0) == 22, "Q5_0 block must be 22 bytes");

// Q5_1: x = q * d + m, q in 0..31, bits as Q5_0.
struct block_q5_1 {
    fp16_t d;
    fp16_t m;
    uint8_t qh[4];
    uint8_t qs[QK5_1 / 2];
};
static_assert(sizeof(block_q5_1) == 24, "Q5_1 block must be 24 bytes");

// Q8_1: activations for Q4_1 / Q5_1; x = q * d, s = fp16(d * Σ q).
struct block_q8_1 {
    fp16_t d;
    fp16_t s;
    int8_t qs[QK8_1];
};
static_assert(sizeof(block_q8_1) == 36, "Q8_1 block must be 36 bytes");

// IQ4_NL: x = d * kvalues_iq4nl[q], nibbles as Q4_0.
struct block_iq4_nl {
    fp16_t d;
    uint8_t qs[QK4_NL / 2];
};
static_assert(sizeof(block_iq4_nl) == 18, "IQ4_NL block must be 18 bytes");

// The 16 values an IQ4 nibble selects (ggml's kvalues_iq4nl).
constexpr int8_t kvalues_iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// Q2_K: 16 sub-blocks of 16; x = d * (sc & 15) * q - dmin * (sc >> 4), q in 0..3. Element
// 128h + 32s + l (half h, shift s < 4, l < 32) is bits 2s..2s+1 of qs[32h + l]; its sub-block is
// (128h + 32s + l) / 16.
struct block_q2_K {
    uint8_t scales[QK_K / 16];
    uint8_t qs[QK_K / 4];
    fp16_t d;
    fp16_t dmin;
};
static_assert(sizeof(block_q2_K) == 84, "Q2_K block must be 84 bytes");

// Q3_K: 16 sub-blocks of 16; x = d * (sc - 32) * (q - 4), q = 2 low bits (placed as Q2_K's) | the
// hmask bit << 2, where element 128h + 32s + l's bit is bit 4h + s of hmask[l]. The 16 six-bit
// scales sc: low nibbles in scales[0..7] (j < 8 low, j ≥ 8 high nibble of scales[j - 8]), the two
// high bits in scales[8 + j % 4] at bit 2·(j / 4).
struct block_q3_K {
    uint8_t hmask[QK_K / 8];
    uint8_t qs[QK_K / 4];
    uint8_t scales[12];
    fp16_t d;
};
static_assert(sizeof(block_q3_K) == 110, "Q3_K block must be 110 bytes");

// Q5_K: Q4_K's scales, mins and nibbles plus a fifth bit: element 64g + l (l < 32) has it in bit
// 2g of qh[l], element 64g + 32 + l in bit 2g + 1.
struct block_q5_K {
    fp16_t d;
    fp16_t dmin;
    uint8_t scales[K_SCALE_SIZE];
    uint8_t qh[QK_K / 8];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(block_q5_K) == 176, "Q5_K block must be 176 bytes");

// IQ4_XS: 8 sub-blocks of 32; x = d * (ls - 32) * kvalues_iq4nl[q], ls six bits: the low four in
// scales_l (sub-block j: nibble j % 2 of byte j / 2), the high two at bits 2j of scales_h. Each
// sub-block's 16 bytes of qs are laid out as IQ4_NL's.
struct block_iq4_xs {
    fp16_t d;
    uint16_t scales_h;
    uint8_t scales_l[QK_K / 64];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(block_iq4_xs) == 136, "IQ4_XS block must be 136 bytes");

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
