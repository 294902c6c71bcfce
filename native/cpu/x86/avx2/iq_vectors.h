// 256-bit pieces of the i-quant decoders shared by the AVX2 and AVX-512 kernels, computed for a
// whole super-block at once: sign bits of the formats that store 8 signs as a 7-bit index
// (ksigns_iq2xs: the eighth sign makes the count of negative values even), instead of a table
// lookup per group, and the 16 sub-block scales 2l + 1. Static inline (../README.md).
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace ni {

// Each 32-bit lane holds four 7-bit sign indices in bits 0-27 (bits above are ignored); returns
// the lane's 32 sign bits, byte g = index g with its parity as bit 7 (ksigns_iq2xs[index g]).
static inline __m256i iq_signs_from_index4(__m256i a) {
    const __m256i m0 = _mm256_set1_epi32(0x7F), m1 = _mm256_set1_epi32(0x7F00);
    const __m256i m2 = _mm256_set1_epi32(0x7F0000), m3 = _mm256_set1_epi32(0x7F000000);
    const __m256i spread = _mm256_or_si256(_mm256_or_si256(_mm256_and_si256(a, m0), _mm256_and_si256(_mm256_slli_epi32(a, 1), m1)),
                                           _mm256_or_si256(_mm256_and_si256(_mm256_slli_epi32(a, 2), m2), _mm256_and_si256(_mm256_slli_epi32(a, 3), m3)));
    // Bit 0 of each byte becomes the parity of its 7 index bits (the fold stays inside the byte's low nibble).
    __m256i p = _mm256_xor_si256(spread, _mm256_srli_epi32(spread, 4));
    p = _mm256_xor_si256(p, _mm256_srli_epi32(p, 2));
    p = _mm256_xor_si256(p, _mm256_srli_epi32(p, 1));
    return _mm256_or_si256(spread, _mm256_slli_epi32(_mm256_and_si256(p, _mm256_set1_epi32(0x01010101)), 7));
}

// Each 16-bit lane holds a 7-bit sign index in bits 9-15 (IQ2_XS); returns, per lane, the 8 sign
// bits (ksigns_iq2xs[index]) in the low byte.
static inline __m256i iq_signs_from_index_hi7(__m256i q) {
    const __m256i s = _mm256_srli_epi16(q, 9);
    __m256i p = _mm256_xor_si256(s, _mm256_srli_epi16(s, 4));
    p = _mm256_xor_si256(p, _mm256_srli_epi16(p, 2));
    p = _mm256_xor_si256(p, _mm256_srli_epi16(p, 1));
    return _mm256_or_si256(s, _mm256_slli_epi16(_mm256_and_si256(p, _mm256_set1_epi16(1)), 7));
}

// The 32 sign bytes of an IQ2_XS block, in value order, from its 32 16-bit words.
static inline __m256i iq2_xs_signs(__m256i q0, __m256i q1) {
    // packus interleaves the 128-bit halves of its operands; the permute restores value order.
    return _mm256_permute4x64_epi64(_mm256_packus_epi16(iq_signs_from_index_hi7(q0), iq_signs_from_index_hi7(q1)), 0xD8);
}

// 16 int16 lanes 2l + 1 from 16 bytes l.
static inline __m256i odd_scales16(__m128i l) {
    const __m256i v = _mm256_cvtepu8_epi16(l);
    return _mm256_or_si256(_mm256_slli_epi16(v, 1), _mm256_set1_epi16(1));
}

// Per-32-value scales 2l + 1 in the top nibble of 8 32-bit words → 16 int16, each twice.
static inline __m256i odd_scales_from_top_nibbles(__m256i words) {
    const __m256i l = _mm256_srli_epi32(words, 28);
    const __m256i s = _mm256_or_si256(_mm256_slli_epi32(l, 1), _mm256_set1_epi32(1));
    return _mm256_or_si256(s, _mm256_slli_epi32(s, 16));
}

// 4-bit scales, low nibble first, of 8 bytes → 16 int16 2l + 1 in order.
static inline __m256i odd_scales_from_nibbles(const uint8_t* p) {
    const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    const __m128i lo = _mm_and_si128(v, _mm_set1_epi8(0x0F)), hi = _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0F));
    return odd_scales16(_mm_unpacklo_epi8(lo, hi));
}

}  // namespace ni
