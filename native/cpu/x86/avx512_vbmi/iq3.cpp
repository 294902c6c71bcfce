// VBMI decoders of IQ3_XXS and IQ3_S for the i-quant row kernel (../avx512/iq_rows.h): the 64 grid
// points of a super-block come from code tables in registers (iq_codes.h) instead of a table load
// per point; signs and scales as in ../avx512/iq3.cpp, so every sum is the same exact integer and
// the results are bit-identical to the AVX-512 kernels'.
#include <cstring>

#include "core/blocks_iq.h"
#include "iq_codes.h"
#include "quants/iq_tables.h"

namespace ni {
namespace {

const uint8_t kIq3XxsValues[8] = {4, 12, 20, 28, 36, 44, 52, 62};
const uint8_t kIq3SValues[8] = {1, 3, 5, 7, 9, 11, 13, 15};

const iq_code_table& iq3xxs_codes() {
    static const iq_code_table t = make_code_table<uint32_t, 4>(iq3xxs_grid, 256, kIq3XxsValues, 8, 3);
    return t;
}

const iq_code_table& iq3s_codes() {
    static const iq_code_table t = make_code_table<uint32_t, 4>(iq3s_grid, 512, kIq3SValues, 8, 3);
    return t;
}

struct iq3_xxs_vbmi : iq_code_registers<4> {
    using block = block_iq3_xxs;
    static constexpr bool kShifted = false;
    iq3_xxs_vbmi() : iq_code_registers<4>(iq3xxs_codes()) {}
    static float scale(const block& b) { return half_to_float(b.d) * 0.25f; }
    // 64 index bytes, then one 32-bit word per 32 values: four 7-bit sign indices, the scale l.
    void begin(const block& b, iq_code_state& st) const {
        const __m256i aux = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + QK_K / 4));
        st.scales = odd_scales_from_top_nibbles(aux);
        // Sign index i of each 32-bit word at bit 7i → byte i of the word's half of a 64-bit word.
        const __m512i s = sign_bytes(_mm512_multishift_epi64_epi8(_mm512_set1_epi64(0x352e2720150e0700), _mm512_zextsi256_si512(aux)));
        _mm256_store_si256(reinterpret_cast<__m256i*>(st.neg), _mm512_castsi512_si256(s));
        const __m512i idx = _mm512_loadu_si512(b.qs);
        const __mmask64 b7 = _mm512_movepi8_mask(idx);
        st.codes[0] = lookup256(lo, idx, b7);
        st.codes[1] = lookup256(hi, idx, b7);
    }
    void part(const block&, const iq_code_state& st, int p, __m512i& mag, __mmask64& neg) const {
        mag = expand_bytes(st.codes[0], st.codes[1], p);
        neg = _cvtu64_mask64(st.neg[p]);
    }
};

struct iq3_s_vbmi : iq_code_registers<8> {
    using block = block_iq3_s;
    static constexpr bool kShifted = false;
    iq3_s_vbmi() : iq_code_registers<8>(iq3s_codes()) {}
    static float scale(const block& b) { return half_to_float(b.d); }
    // Four bytes of two 4-bit scales per 64 values → one 2l + 1 per 32 values, each for 2 × 16 lanes.
    // Point n's 9-bit index: qs[n] | bit n of the 64-bit qh << 8.
    void begin(const block& b, iq_code_state& st) const {
        uint32_t packed;
        std::memcpy(&packed, b.scales, 4);
        const __m128i v = _mm_cvtsi32_si128((int)packed);
        const __m128i l = _mm_unpacklo_epi8(_mm_and_si128(v, _mm_set1_epi8(0x0F)), _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0F)));
        st.scales = odd_scales16(_mm_unpacklo_epi8(l, l));
        uint64_t qh;
        std::memcpy(&qh, b.qh, 8);
        const __m512i idx = _mm512_loadu_si512(b.qs);
        const __mmask64 b7 = _mm512_movepi8_mask(idx), b8 = _cvtu64_mask64(qh);
        st.codes[0] = lookup512(lo, idx, b7, b8);
        st.codes[1] = lookup512(hi, idx, b7, b8);
    }
    // Part p: explicit sign bits.
    void part(const block& b, const iq_code_state& st, int p, __m512i& mag, __mmask64& neg) const {
        mag = expand_bytes(st.codes[0], st.codes[1], p);
        uint64_t bits;
        std::memcpy(&bits, b.signs + 8 * p, 8);
        neg = _cvtu64_mask64(bits);
    }
};

}  // namespace

void register_avx512_vbmi_iq3(kernel_table& t) {
    set_iq_kernels512<iq3_xxs_vbmi>(t, NI_TYPE_IQ3_XXS);
    set_iq_kernels512<iq3_s_vbmi>(t, NI_TYPE_IQ3_S);
}

}  // namespace ni
