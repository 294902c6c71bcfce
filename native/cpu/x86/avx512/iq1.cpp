// AVX-512 decoders of IQ1_S and IQ1_M for the i-quant row kernel (iq_rows.h): per 64-value part,
// eight grid points of {−1, 0, 1}, as the AVX2 decoders (../avx2/iq1.cpp): IQ1_S multiplies the grid
// bytes and adds its per-32 shifts through the bsums; IQ1_M (a shift per 8 values) multiplies
// v = 8·grid ± 1 (magnitude |v|, the mask of negative v), looked up whole in iq1s_grid_shifted. Both
// scale by d/8.
#include <cstring>

#include "core/blocks_iq.h"
#include "iq_rows.h"
#include "quants/iq_tables.h"

namespace ni {
namespace {

static inline void magnitude_and_sign(__m512i v, __m512i& mag, __mmask64& neg) {
    mag = _mm512_abs_epi8(v);
    neg = _mm512_movepi8_mask(v);
}

struct iq1_s_avx512 {
    using block = block_iq1_s;
    static constexpr bool kShifted = true;
    static float scale(const block& b) { return half_to_float(b.d) * 0.125f; }
    // qh[j]: the 3 high bits of group 4j + i's 11-bit index at bits 3i, l of chunk j at bits 12-14
    // and its shift's sign at bit 15. x = d/8·(2l + 1)·(8·grid ± 1): the kernel multiplies the grid
    // bytes with scales 8·(2l + 1) and adds ±(2l + 1) times the bsums (each per 16 values).
    static void begin(const block& b, iq_block_state& st) {
        const __m128i qh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qh));
        const __m128i s = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(qh, 12), _mm_set1_epi16(7)), 1), _mm_set1_epi16(1));
        const __m256i odd = _mm256_set_m128i(_mm_unpackhi_epi16(s, s), _mm_unpacklo_epi16(s, s));
        const __m128i neg = _mm_srai_epi16(qh, 15);
        const __m256i sign = _mm256_or_si256(_mm256_set_m128i(_mm_unpackhi_epi16(neg, neg), _mm_unpacklo_epi16(neg, neg)), _mm256_set1_epi16(1));
        st.scales = _mm256_slli_epi16(odd, 3);
        st.shift = _mm256_sign_epi16(odd, sign);
        const __m512i words = _mm512_permutexvar_epi16(_mm512_set_epi64(0x0007000700070007, 0x0006000600060006, 0x0005000500050005, 0x0004000400040004,
                                                                         0x0003000300030003, 0x0002000200020002, 0x0001000100010001, 0),
                                                       _mm512_castsi128_si512(qh));
        const __m512i high = _mm512_and_si512(_mm512_srlv_epi16(words, _mm512_set1_epi64(0x0009000600030000)), _mm512_set1_epi16(7));
        const __m512i low = _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)));
        _mm512_store_si512(st.idx, _mm512_or_si512(low, _mm512_slli_epi16(high, 8)));
    }
    static void part(const block&, const iq_block_state& st, int p, __m512i& mag, __mmask64& neg) {
        magnitude_and_sign(iq_grid8(iq1s_grid, st.idx + 8 * p), mag, neg);
    }
};

struct iq1_m_avx512 {
    using block = block_iq1_m;
    static constexpr bool kShifted = false;
    static float scale(const block& b) { return half_to_float(iq1m_scale(b.scales)) * 0.125f; }
    // Scale word w holds l of values 64w + 16i in bits 3i .. 3i + 2 (i < 4). Nibble g of qh holds
    // the 3 high bits of group g's 11-bit index.
    static void begin(const block& b, iq_block_state& st) {
        const __m256i words = _mm256_permutexvar_epi16(_mm256_setr_epi16(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3),
                                                       _mm256_castsi128_si256(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b.scales))));
        const __m256i l = _mm256_and_si256(_mm256_srlv_epi16(words, _mm256_setr_epi16(0, 3, 6, 9, 0, 3, 6, 9, 0, 3, 6, 9, 0, 3, 6, 9)),
                                           _mm256_set1_epi16(7));
        st.scales = _mm256_or_si256(_mm256_slli_epi16(l, 1), _mm256_set1_epi16(1));
        const __m512i bytes = _mm512_permutexvar_epi16(_mm512_set_epi64(0x000F000F000E000E, 0x000D000D000C000C, 0x000B000B000A000A, 0x0009000900080008,
                                                                         0x0007000700060006, 0x0005000500040004, 0x0003000300020002, 0x0001000100000000),
                                                       _mm512_castsi256_si512(_mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qh)))));
        // The nibble's 3 index bits and its shift-sign bit make a 12-bit index into iq1s_grid_shifted,
        // whose entries are already 8·grid ± 1.
        const __m512i nibbles = _mm512_and_si512(_mm512_srlv_epi16(bytes, _mm512_set1_epi32(0x00040000)), _mm512_set1_epi16(15));
        const __m512i low = _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)));
        _mm512_store_si512(st.idx, _mm512_or_si512(low, _mm512_slli_epi16(nibbles, 8)));
    }
    static void part(const block&, const iq_block_state& st, int p, __m512i& mag, __mmask64& neg) {
        magnitude_and_sign(iq_grid8(iq1s_grid_shifted, st.idx + 8 * p), mag, neg);
    }
};

}  // namespace

void register_avx512_iq1(kernel_table& t) {
    set_iq_kernels512<iq1_s_avx512>(t, NI_TYPE_IQ1_S);
    set_iq_kernels512<iq1_m_avx512>(t, NI_TYPE_IQ1_M);
}

}  // namespace ni
