// VBMI decoders of IQ2_XXS and IQ2_XS for the i-quant row kernel (../avx512/iq_rows.h): the grid
// points come from code tables in registers (iq_codes.h) instead of a table load per point; signs
// and scales as in ../avx512/iq2.cpp, so every sum is the same exact integer and the results are
// bit-identical to the AVX-512 kernels'.
#include "core/blocks_iq.h"
#include "iq_codes.h"
#include "quants/iq_tables.h"

namespace ni {
namespace {

const uint8_t kIq2Values[4] = {0x08, 0x19, 0x2b, 0};

// Byte m of the word-ordered index vector belongs to point 8q + j, where word m / 2 = 4j + q.
static inline int word_order_point(int m) { return 8 * (m / 2 % 4) + m / 8; }

const iq_code_table& iq2xxs_codes() {
    static const iq_code_table t = [] {
        iq_code_table c = make_code_table<uint64_t, 8>(iq2xxs_grid, 256, kIq2Values, 4, 2);
        // Point n's index: byte 8(n / 4) + n % 4 of qs.
        for (int m = 0; m < 64; ++m) c.gather[m] = (uint8_t)(8 * (word_order_point(m) / 4) + word_order_point(m) % 4);
        return c;
    }();
    return t;
}

const iq_code_table& iq2xs_codes() {
    static const iq_code_table t = [] {
        iq_code_table c = make_code_table<uint64_t, 8>(iq2xs_grid, 512, kIq2Values, 4, 2);
        // Point n's index: bits 0-8 of word n; gather is read as words (vpermw): even byte n, odd byte 0.
        for (int m = 0; m < 64; ++m) c.gather[m] = (uint8_t)(m % 2 == 0 ? word_order_point(m) : 0);
        return c;
    }();
    return t;
}

struct iq2_xxs_vbmi : iq_code_registers<4> {
    using block = block_iq2_xxs;
    static constexpr bool kShifted = false;
    iq2_xxs_vbmi() : iq_code_registers<4>(iq2xxs_codes()) {}
    static float scale(const block& b) { return half_to_float(b.d) * 0.125f; }
    // Per 32 values, 4 index bytes, then a 32-bit word of four 7-bit sign indices (bits 0-27) and l.
    void begin(const block& b, iq_code_state& st) const {
        const __m512i q = _mm512_loadu_si512(b.qs);
        st.scales = odd_scales_from_top_nibbles(_mm512_cvtepi64_epi32(_mm512_srli_epi64(q, 32)));
        // Sign index i of each 64-bit word at bit 32 + 7i → bytes 0-3.
        const __m512i s = sign_bytes(_mm512_multishift_epi64_epi8(_mm512_set1_epi64(0x352e2720352e2720), q));
        _mm256_store_si256(reinterpret_cast<__m256i*>(st.neg), _mm512_cvtepi64_epi32(s));
        // Word 4j + q' of idx: point 8q' + j's index byte (the even bytes of gather), high byte zero.
        const __m512i idx = _mm512_maskz_permutexvar_epi8(_cvtu64_mask64(0x5555555555555555ull), gather, q);
        const __mmask32 b6 = _mm512_test_epi16_mask(idx, _mm512_set1_epi16(0x40)), b7 = _mm512_test_epi16_mask(idx, _mm512_set1_epi16(0x80));
        st.codes[0] = lookup256_words(words, idx, b6, b7);
    }
    void part(const block&, const iq_code_state& st, int p, __m512i& mag, __mmask64& neg) const {
        mag = expand_words(st.codes[0], p);
        neg = _cvtu64_mask64(st.neg[p]);
    }
};

struct iq2_xs_vbmi : iq_code_registers<8> {
    using block = block_iq2_xs;
    static constexpr bool kShifted = false;
    iq2_xs_vbmi() : iq_code_registers<8>(iq2xs_codes()) {}
    static float scale(const block& b) { return half_to_float(b.d) * 0.125f; }
    // 32 words: 9-bit grid index | 7-bit sign index << 9.
    void begin(const block& b, iq_code_state& st) const {
        const __m512i q = _mm512_loadu_si512(b.qs);
        st.scales = odd_scales_from_nibbles(b.scales);
        // Word i's sign index at bit 16i + 9 → byte i of each 64-bit word.
        const __m512i s = sign_bytes(_mm512_multishift_epi64_epi8(_mm512_set1_epi64(0x3929190939291909), q));
        _mm256_store_si256(reinterpret_cast<__m256i*>(st.neg), _mm512_cvtepi64_epi32(s));
        // Word 4j + q' of idx: point 8q' + j's word.
        const __m512i idx = _mm512_permutexvar_epi16(gather, q);
        const __mmask32 b6 = _mm512_test_epi16_mask(idx, _mm512_set1_epi16(0x40)), b7 = _mm512_test_epi16_mask(idx, _mm512_set1_epi16(0x80));
        const __mmask32 b8 = _mm512_test_epi16_mask(idx, _mm512_set1_epi16(0x100));
        st.codes[0] = _mm512_mask_blend_epi16(b8, lookup256_words(words, idx, b6, b7), lookup256_words(words + 8, idx, b6, b7));
    }
    void part(const block&, const iq_code_state& st, int p, __m512i& mag, __mmask64& neg) const {
        mag = expand_words(st.codes[0], p);
        neg = _cvtu64_mask64(st.neg[p]);
    }
};

}  // namespace

void register_avx512_vbmi_iq2(kernel_table& t) {
    set_iq_kernels512<iq2_xxs_vbmi>(t, NI_TYPE_IQ2_XXS);
    set_iq_kernels512<iq2_xs_vbmi>(t, NI_TYPE_IQ2_XS);
}

}  // namespace ni
