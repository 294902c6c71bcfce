// Scalar IEEE half and bfloat16 conversions, exact (no intrinsics, so usable by every ISA's
// reference code). fp16 rounding is round-to-nearest-even, as F16C and ggml do.
// Functions here are `static inline` on purpose: ISA-specific translation units include this
// header too, and an inline function with external linkage could be merged with a copy compiled
// for AVX-512 and then run on a CPU without it.
#pragma once
#include <cstdint>
#include <cstring>

namespace ni {

static inline float bits_to_f32(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
static inline uint32_t f32_to_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }

// binary16 → binary32: exact for every input, including subnormals, infinities and NaNs.
static inline float fp16_to_f32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    const uint32_t exp = (h >> 10) & 0x1F;
    uint32_t mant = h & 0x3FF;
    if (exp == 0x1F) return bits_to_f32(sign | 0x7F800000u | (mant << 13));  // inf / NaN
    if (exp == 0) {
        if (mant == 0) return bits_to_f32(sign);                                 // ±0
        int e = -1;                                                              // subnormal: normalize
        do { mant <<= 1; ++e; } while ((mant & 0x400) == 0);
        return bits_to_f32(sign | ((uint32_t)(127 - 15 - e) << 23) | ((mant & 0x3FF) << 13));
    }
    return bits_to_f32(sign | ((exp + 127 - 15) << 23) | (mant << 13));
}

// binary32 → binary16, round to nearest even; overflow → inf; NaN stays NaN (quiet).
static inline uint16_t f32_to_fp16(float f) {
    const uint32_t x = f32_to_bits(f);
    const uint32_t sign = (x >> 16) & 0x8000;
    const uint32_t ax = x & 0x7FFFFFFF;
    if (ax > 0x7F800000) return (uint16_t)(sign | 0x7E00 | ((ax >> 13) & 0x3FF));  // NaN
    if (ax >= 0x477FF000) return (uint16_t)(sign | 0x7C00);  // rounds to ≥ 65520 → inf
    if (ax < 0x38800000) {                                   // result is subnormal or zero
        // value = m * 2^(e-150) with the implicit bit in m; in units of the half subnormal step
        // 2^-24 that is m >> (126 - e), rounded to nearest even on the bits shifted out.
        const uint32_t e = ax >> 23;                  // biased exponent, <= 112 here
        if (e < 102) return (uint16_t)sign;           // below 2^-25: rounds to zero
        const uint32_t m = (ax & 0x7FFFFF) | 0x800000;
        const uint32_t shift = 126 - e;
        uint32_t q = m >> shift;
        const uint32_t rem = m & ((1u << shift) - 1);
        const uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1))) ++q;
        return (uint16_t)(sign | q);
    }
    // Normal: rebias exponent, round mantissa 23 → 10 bits to nearest even (carry may bump exp).
    uint32_t h = ((ax >> 13) - ((127 - 15) << 10));
    const uint32_t rem = ax & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;
    return (uint16_t)(sign | h);
}

static inline float bf16_to_f32(uint16_t b) { return bits_to_f32((uint32_t)b << 16); }

// binary32 → bfloat16, round to nearest even; NaN becomes a quiet NaN (ggml's rule).
static inline uint16_t f32_to_bf16(float f) {
    uint32_t u = f32_to_bits(f);
    if ((u & 0x7FFFFFFF) > 0x7F800000) return (uint16_t)((u >> 16) | 64);
    return (uint16_t)((u + (0x7FFF + ((u >> 16) & 1))) >> 16);
}

}  // namespace ni
