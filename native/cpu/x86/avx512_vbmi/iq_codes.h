// i-quant grid lookups held in registers (AVX512_VBMI). Every grid point of IQ2_XXS, IQ2_XS
// (values 8, 25, 43), IQ3_XXS (eight values 4 .. 62) and IQ3_S (1, 3, .., 15) is a short code of
// 2- or 3-bit value numbers: 16 bits for 8 values, 12 bits for 4. Tables of the codes (256 or 512
// entries) fit in 4-16 registers, so two-table permutes (vpermi2w, vpermi2b) look up 32 or 64 points
// at a time, blended by the index's high bits; vpmultishiftqb then moves value v's 2 or 3 bits to the
// bottom of output byte v and vpermb maps them to the values. That replaces one scalar-indexed table
// load and insert per grid point (../avx512/iq2.cpp, iq3.cpp) with about one vector operation per 4
// (IQ2) or 8 (IQ3) points.
//
// IQ2 (32 points of 16-bit codes per super-block) looks up whole codes by word permutes in "word"
// order: word 4j + q of the codes vector is point 8q + j, so part p's output word j (8 bytes, point
// 8p + j) is one multishift of that vector away. IQ3 (64 points of 12 bits) looks all 64 up at once
// by byte permutes into a low- and a high-byte vector, and per part a two-source permute places point
// 16p + j's two bytes at the start of output dword j before the multishift (a word layout would need
// twice the lookups).
//
// The 7-bit sign indices of IQ2_XXS, IQ2_XS and IQ3_XXS become sign bytes (ksigns_iq2xs: the index
// and its parity as bit 7) by one multishift that moves each index to a byte and one vpermi2b in a
// 128-entry table. Static inline and an anonymous namespace (../README.md).
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "x86/avx512/iq_rows.h"

namespace ni {
namespace {

// Word lookups of 32 indices (bits 0-5 in idx's words, bits 6 and 7 in b6, b7) in a 256-entry
// table of 8 registers.
static inline __m512i lookup256_words(const __m512i* t, __m512i idx, __mmask32 b6, __mmask32 b7) {
    const __m512i low = _mm512_mask_blend_epi16(b6, _mm512_permutex2var_epi16(t[0], idx, t[1]), _mm512_permutex2var_epi16(t[2], idx, t[3]));
    const __m512i high = _mm512_mask_blend_epi16(b6, _mm512_permutex2var_epi16(t[4], idx, t[5]), _mm512_permutex2var_epi16(t[6], idx, t[7]));
    return _mm512_mask_blend_epi16(b7, low, high);
}

// What the VBMI decoders keep per super-block (iq_block_state's signs and scales, and the codes).
struct iq_code_state {
    alignas(32) uint64_t neg[4];  // part p's negative values, bit i = value 64p + i
    __m256i scales;               // 16 int16: 2l + 1 of values 16i .. 16i + 15
    __m256i shift;                // unused (no VBMI decoder has kShifted)
    __m512i codes[2];             // IQ2: the word-ordered codes; IQ3: low and high code bytes
};

// What a format's decoder loads into registers per row.
struct iq_code_table {
    alignas(64) uint8_t lo[512];       // low code byte of each grid point
    alignas(64) uint8_t hi[512];        // high code byte
    alignas(64) uint16_t words[512];    // the whole code (IQ2)
    alignas(64) uint8_t place[4][64];  // IQ3, part p: output dword j takes point 16p + j's lo, hi bytes
    alignas(64) uint8_t shifts[4][64]; // part p, output byte i: the bit offset of its value number in its 64-bit word
    alignas(64) uint8_t values[64];    // number n (bits 0-5 of a byte) → value
    alignas(64) uint8_t signs[128];    // 7-bit sign index → sign byte (index | parity << 7)
    alignas(64) uint8_t gather[64];    // IQ2: the format's permute from its block to the word-ordered indices
};

// The table of a format whose grid points hold W (8 or 4) values of `nvalues` (a power of two)
// kinds: point e's code is Σ_v number(value v) << bits·v, number(x) being x's position in `values`.
template <class Entry, int W>
static inline iq_code_table make_code_table(const Entry* grid, int points, const uint8_t* values, int nvalues, int bits) {
    iq_code_table t{};
    for (int e = 0; e < points; ++e) {
        uint32_t code = 0;
        for (int v = 0; v < W; ++v) {
            const uint8_t x = (uint8_t)(grid[e] >> (8 * v));
            int n = 0;
            while (n < nvalues && values[n] != x) ++n;
            code |= (uint32_t)n << (bits * v);
        }
        t.words[e] = (uint16_t)code;
        t.lo[e] = (uint8_t)code;
        t.hi[e] = (uint8_t)(code >> 8);
    }
    for (int p = 0; p < 4; ++p)
        for (int i = 0; i < 64; ++i) {
            // IQ2: word p of each 64-bit word; IQ3: dwords start at bit 0 and 32 of the placed word.
            t.shifts[p][i] = (uint8_t)(W == 8 ? 16 * p + 2 * (i % 8) : (i % 8) / 4 * 32 + (i % 4) * 3);
            if (W == 4 && i % 4 < 2) t.place[p][i] = (uint8_t)(64 * (i % 4) + 16 * p + i / 4);
        }
    for (int n = 0; n < 64; ++n) t.values[n] = values[n % nvalues];
    for (int s = 0; s < 128; ++s) t.signs[s] = (uint8_t)(s | (__builtin_popcount(s) & 1) << 7);
    return t;
}

// Byte lookups of 64 indices (bits 0-6 in idx, bit 7 in b7) in a 256-entry table of 4 registers.
static inline __m512i lookup256(const __m512i* t, __m512i idx, __mmask64 b7) {
    return _mm512_mask_blend_epi8(b7, _mm512_permutex2var_epi8(t[0], idx, t[1]), _mm512_permutex2var_epi8(t[2], idx, t[3]));
}

// The same in a 512-entry table of 8 registers, bit 8 of the indices in b8.
static inline __m512i lookup512(const __m512i* t, __m512i idx, __mmask64 b7, __mmask64 b8) {
    return _mm512_mask_blend_epi8(b8, lookup256(t, idx, b7), lookup256(t + 4, idx, b7));
}

// What a row's decoder keeps in registers: Tables registers of each code byte's table (4 for 256
// points, 8 for 512) and the constants; a format's decoder derives from it.
template <int Tables>
struct iq_code_registers {
    using state = iq_code_state;
    __m512i lo[Tables], hi[Tables], words[2 * Tables], place[4], shifts[4], values, signs[2], gather;
    explicit iq_code_registers(const iq_code_table& t) {
        for (int i = 0; i < Tables; ++i) {
            lo[i] = _mm512_load_si512(t.lo + 64 * i);
            hi[i] = _mm512_load_si512(t.hi + 64 * i);
            words[2 * i] = _mm512_load_si512(t.words + 64 * i);
            words[2 * i + 1] = _mm512_load_si512(t.words + 64 * i + 32);
        }
        for (int p = 0; p < 4; ++p) {
            place[p] = _mm512_load_si512(t.place[p]);
            shifts[p] = _mm512_load_si512(t.shifts[p]);
        }
        values = _mm512_load_si512(t.values);
        signs[0] = _mm512_load_si512(t.signs);
        signs[1] = _mm512_load_si512(t.signs + 64);
        gather = _mm512_load_si512(t.gather);
    }
    // Sign bytes of the 7-bit indices in bits 0-6 of each byte (bit 7 is ignored).
    __m512i sign_bytes(__m512i s) const { return _mm512_permutex2var_epi8(signs[0], s, signs[1]); }
    // IQ2: the 64 magnitudes of part p from the word-ordered codes.
    __m512i expand_words(__m512i codes, int p) const { return _mm512_permutexvar_epi8(_mm512_multishift_epi64_epi8(shifts[p], codes), values); }
    // IQ3: the 64 magnitudes of part p from the point-ordered low and high code bytes.
    __m512i expand_bytes(__m512i lo_bytes, __m512i hi_bytes, int p) const {
        const __m512i placed = _mm512_permutex2var_epi8(lo_bytes, place[p], hi_bytes);
        return _mm512_permutexvar_epi8(_mm512_multishift_epi64_epi8(shifts[p], placed), values);
    }
};

}  // namespace
}  // namespace ni
