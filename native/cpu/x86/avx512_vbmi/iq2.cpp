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

const iq_code_table& iq2xxs_codes() {
    static const iq_code_table t = make_code_table<uint64_t, 8>(iq2xxs_grid, 256, kIq2Values, 4, 2);
    return t;
}

const iq_code_table& iq2xs_codes() {
    static const iq_code_table t = make_code_table<uint64_t, 8>(iq2xs_grid, 512, kIq2Values, 4, 2);
    return t;
}

struct iq2_xxs_vbmi : iq_code_registers<4> {
    using block = block_iq2_xxs;
    static constexpr bool kShifted = false;
    iq2_xxs_vbmi() : iq_code_registers<4>(iq2xxs_codes()) {}
    static float scale(const block& b) { return half_to_float(b.d) * 0.125f; }
    // Per 32 values, 4 index bytes then a 32-bit word of four 7-bit sign indices and the scale l.
    void begin(const block& b, iq_block_state& st) const {
        const __m512i q = _mm512_loadu_si512(b.qs);
        const __m256i aux = _mm512_cvtepi64_epi32(_mm512_srli_epi64(q, 32));
        _mm256_store_si256(reinterpret_cast<__m256i*>(st.neg), iq_signs_from_index4(aux));
        st.scales = odd_scales_from_top_nibbles(aux);
        // Point n's index: byte 8(n / 4) + n % 4 (bytes 32-63 of idx are not used).
        const __m512i idx = _mm512_permutexvar_epi8(_mm512_set_epi64(0, 0, 0, 0, 0x3b3a393833323130, 0x2b2a292823222120,
                                                                     0x1b1a191813121110, 0x0b0a090803020100),
                                                    q);
        const __mmask64 b7 = _mm512_movepi8_mask(idx);
        st.codes[0] = lookup256(lo, idx, b7);
        st.codes[1] = lookup256(hi, idx, b7);
    }
    void part(const block&, const iq_block_state& st, int p, __m512i& mag, __mmask64& neg) const {
        mag = expand(st, p);
        neg = _cvtu64_mask64(st.neg[p]);
    }
};

struct iq2_xs_vbmi : iq_code_registers<8> {
    using block = block_iq2_xs;
    static constexpr bool kShifted = false;
    iq2_xs_vbmi() : iq_code_registers<8>(iq2xs_codes()) {}
    static float scale(const block& b) { return half_to_float(b.d) * 0.125f; }
    // 32 words: 9-bit grid index | 7-bit sign index << 9.
    void begin(const block& b, iq_block_state& st) const {
        const __m512i q = _mm512_loadu_si512(b.qs);
        _mm256_store_si256(reinterpret_cast<__m256i*>(st.neg), iq2_xs_signs(_mm512_castsi512_si256(q), _mm512_extracti64x4_epi64(q, 1)));
        st.scales = odd_scales_from_nibbles(b.scales);
        const __m512i idx = _mm512_zextsi256_si512(_mm512_cvtepi16_epi8(q));
        const __mmask64 b7 = _mm512_test_epi16_mask(q, _mm512_set1_epi16(0x80));
        const __mmask64 b8 = _mm512_test_epi16_mask(q, _mm512_set1_epi16(0x100));
        st.codes[0] = lookup512(lo, idx, b7, b8);
        st.codes[1] = lookup512(hi, idx, b7, b8);
    }
    void part(const block&, const iq_block_state& st, int p, __m512i& mag, __mmask64& neg) const {
        mag = expand(st, p);
        neg = _cvtu64_mask64(st.neg[p]);
    }
};

}  // namespace

void register_avx512_vbmi_iq2(kernel_table& t) {
    set_iq_kernels512<iq2_xxs_vbmi>(t, NI_TYPE_IQ2_XXS);
    set_iq_kernels512<iq2_xs_vbmi>(t, NI_TYPE_IQ2_XS);
}

}  // namespace ni
