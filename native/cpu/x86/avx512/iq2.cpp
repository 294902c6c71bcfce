// AVX-512 decoders of IQ2_XXS, IQ2_XS and IQ2_S for the i-quant row kernel (iq_rows.h): per 64-value
// part, eight grid points of 8 magnitudes; the sign bits of a whole super-block at once (from the
// 7-bit indices in vectors, or IQ2_S's explicit bits); x = d/8·(2l + 1)·grid·sign.
#include <cstring>

#include "core/blocks_iq.h"
#include "iq_rows.h"
#include "quants/iq_tables.h"

namespace ni {
namespace {

// Eight grid points by 8 indices.
static inline __m512i grid8(const uint64_t* grid, int i0, int i1, int i2, int i3, int i4, int i5, int i6, int i7) {
    return _mm512_set_epi64((long long)grid[i7], (long long)grid[i6], (long long)grid[i5], (long long)grid[i4],
                            (long long)grid[i3], (long long)grid[i2], (long long)grid[i1], (long long)grid[i0]);
}

struct iq2_xxs_avx512 {
    using block = block_iq2_xxs;
    static constexpr bool kShifted = false;
    static float scale(const block& b) { return half_to_float(b.d) * 0.125f; }
    // The upper 32 bits of each 64-bit word: four 7-bit sign indices and the scale l.
    static void begin(const block& b, iq_block_state& st) {
        const __m256i aux = _mm512_cvtepi64_epi32(_mm512_srli_epi64(_mm512_loadu_si512(b.qs), 32));
        _mm256_store_si256(reinterpret_cast<__m256i*>(st.neg), iq_signs_from_index4(aux));
        st.scales = odd_scales_from_top_nibbles(aux);
    }
    static void part(const block& b, const iq_block_state& st, int p, __m512i& mag, __mmask64& neg) {
        uint32_t i0, i1;
        std::memcpy(&i0, b.qs + 8 * p, 4);
        std::memcpy(&i1, b.qs + 8 * p + 4, 4);
        mag = grid8(iq2xxs_grid, i0 & 0xFF, (i0 >> 8) & 0xFF, (i0 >> 16) & 0xFF, i0 >> 24, i1 & 0xFF, (i1 >> 8) & 0xFF, (i1 >> 16) & 0xFF, i1 >> 24);
        neg = _cvtu64_mask64(st.neg[p]);
    }
};

struct iq2_xs_avx512 {
    using block = block_iq2_xs;
    static constexpr bool kShifted = false;
    static float scale(const block& b) { return half_to_float(b.d) * 0.125f; }
    // 32 words: 9-bit grid index | 7-bit sign index << 9.
    static void begin(const block& b, iq_block_state& st) {
        const __m256i q0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs));
        const __m256i q1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 16));
        _mm256_store_si256(reinterpret_cast<__m256i*>(st.neg), iq2_xs_signs(q0, q1));
        st.scales = odd_scales_from_nibbles(b.scales);
    }
    static void part(const block& b, const iq_block_state& st, int p, __m512i& mag, __mmask64& neg) {
        mag = iq_grid8<511>(iq2xs_grid, b.qs + 8 * p);
        neg = _cvtu64_mask64(st.neg[p]);
    }
};

struct iq2_s_avx512 {
    using block = block_iq2_s;
    static constexpr bool kShifted = false;
    static float scale(const block& b) { return half_to_float(b.d) * 0.125f; }
    // Group g's 10-bit index: qs[g] | bits 2(g % 4) .. 2(g % 4) + 1 of qh[g / 4] << 8.
    static void begin(const block& b, iq_block_state& st) {
        st.scales = odd_scales_from_nibbles(b.scales);
        const __m512i qh = _mm512_permutexvar_epi16(_mm512_set_epi64(0x0007000700070007, 0x0006000600060006, 0x0005000500050005, 0x0004000400040004,
                                                                      0x0003000300030003, 0x0002000200020002, 0x0001000100010001, 0),
                                                    _mm512_castsi128_si512(_mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b.qh)))));
        const __m512i high = _mm512_and_si512(_mm512_srlv_epi16(qh, _mm512_set1_epi64(0x0006000400020000)), _mm512_set1_epi16(3));
        const __m512i low = _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)));
        _mm512_store_si512(st.idx, _mm512_or_si512(low, _mm512_slli_epi16(high, 8)));
    }
    // Part p: explicit sign bits qs[32 + 8p .. 32 + 8p + 7].
    static void part(const block& b, const iq_block_state& st, int p, __m512i& mag, __mmask64& neg) {
        mag = iq_grid8(iq2s_grid, st.idx + 8 * p);
        uint64_t bits;
        std::memcpy(&bits, b.qs + QK_K / 8 + 8 * p, 8);
        neg = _cvtu64_mask64(bits);
    }
};

}  // namespace

void register_avx512_iq2(kernel_table& t) {
    set_iq_kernels512<iq2_xxs_avx512>(t, NI_TYPE_IQ2_XXS);
    set_iq_kernels512<iq2_xs_avx512>(t, NI_TYPE_IQ2_XS);
    set_iq_kernels512<iq2_s_avx512>(t, NI_TYPE_IQ2_S);
}

}  // namespace ni
