// i-quant grid lookups held in registers (AVX512_VBMI). Every grid point of IQ2_XXS, IQ2_XS
// (values 8, 25, 43), IQ3_XXS (eight values 4 .. 62) and IQ3_S (1, 3, .., 15) is a short code of
// 2- or 3-bit value numbers: 16 bits for 8 values, 12 bits for 4. The codes' low and high bytes form
// two byte tables of 256 or 512 entries, 4 or 8 registers each, so one two-table byte permute
// (vpermi2b) looks up 64 indices' bytes for 128 entries at a time, blended by the index's bits 7 and 8.
// Per 64-value part, one more two-source permute puts each point's code bytes at the start of its
// 8 (or 4) output bytes, vpmultishiftqb moves value v's 2 or 3 bits to the bottom of byte v, and vpermb
// maps them to the values. That replaces one scalar-indexed table load and insert per grid point
// (../avx512/iq2.cpp, iq3.cpp) with about one vector operation per 4 (IQ2) or 8 (IQ3) points.
// Static inline and an anonymous namespace (../README.md).
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "x86/avx512/iq_rows.h"

namespace ni {
namespace {

// What a format's decoder loads into registers per row: the low and high code bytes of up to 512
// grid points, and the constants of expand_codes.
struct iq_code_table {
    alignas(64) uint8_t lo[512];
    alignas(64) uint8_t hi[512];
    alignas(64) uint8_t place[4][64];  // part p: group j reads point 64p/G + j (G = 64 / points per part)
    alignas(64) uint8_t shifts[64];    // byte v of a group: the bit offset of value v's number
    alignas(64) uint8_t values[64];    // number n (bits 0-5 of a byte) → value
};

// The table of a format whose grid points hold W values of `nvalues` (a power of two) kinds, point
// e's code Σ_v number(value v) << bits·v, where number(x) is x's position in `values`.
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
        t.lo[e] = (uint8_t)code;
        t.hi[e] = (uint8_t)(code >> 8);
    }
    for (int p = 0; p < 4; ++p)
        for (int j = 0; j < 64 / W; ++j) {
            t.place[p][W * j] = (uint8_t)(64 / W * p + j);
            t.place[p][W * j + 1] = (uint8_t)(64 + 64 / W * p + j);
        }
    // A group of W bytes starts at bit 0 or 32 of its 64-bit word.
    for (int i = 0; i < 64; ++i) t.shifts[i] = (uint8_t)((i % 8) / W * 32 + (i % W) * bits);
    for (int n = 0; n < 64; ++n) t.values[n] = values[n % nvalues];
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

// The values of 64 weights from their points' codes: `lo`, `hi` hold the code bytes of the block's
// points (point n at byte n); `place` puts point j's low byte at the start of its output group and
// its high byte next (index 64 + n: the second source); `shifts` gives, per output byte, the bit
// offset of its value number in the group's 64-bit word; `values` maps a number (bits 0-5) to a value.
static inline __m512i expand_codes(__m512i lo, __m512i hi, __m512i place, __m512i shifts, __m512i values) {
    const __m512i placed = _mm512_permutex2var_epi8(lo, place, hi);
    return _mm512_permutexvar_epi8(_mm512_multishift_epi64_epi8(shifts, placed), values);
}

// What a row's decoder keeps in registers: Tables registers of each code byte's table (4 for 256
// points, 8 for 512) and the expansion constants; a decoder derives from it.
template <int Tables>
struct iq_code_registers {
    __m512i lo[Tables], hi[Tables], place[4], shifts, values;
    explicit iq_code_registers(const iq_code_table& t) {
        for (int i = 0; i < Tables; ++i) {
            lo[i] = _mm512_load_si512(t.lo + 64 * i);
            hi[i] = _mm512_load_si512(t.hi + 64 * i);
        }
        for (int p = 0; p < 4; ++p) place[p] = _mm512_load_si512(t.place[p]);
        shifts = _mm512_load_si512(t.shifts);
        values = _mm512_load_si512(t.values);
    }
    __m512i expand(const iq_block_state& st, int p) const { return expand_codes(st.codes[0], st.codes[1], place[p], shifts, values); }
};

}  // namespace
}  // namespace ni
