// AVX-512 decoders of IQ3_XXS and IQ3_S for the i-quant row kernel (iq_rows.h): per 64-value part,
// sixteen grid points of 4 magnitudes; signs of a whole super-block at once (IQ3_XXS: from 7-bit
// indices in vectors; IQ3_S: explicit bits). IQ3_XXS x = d/4·(2l + 1)·grid·sign, IQ3_S d·(2l + 1)·grid·sign.
#include <cstring>

#include "core/blocks_iq.h"
#include "iq_rows.h"
#include "quants/iq_tables.h"

namespace ni {
namespace {

// Sixteen grid points of 4 bytes by 16 indices.
template <class Index>
static inline __m512i grid16(const uint32_t* grid, const Index* i) {
    return _mm512_set_epi32((int)grid[i[15]], (int)grid[i[14]], (int)grid[i[13]], (int)grid[i[12]], (int)grid[i[11]], (int)grid[i[10]],
                            (int)grid[i[9]], (int)grid[i[8]], (int)grid[i[7]], (int)grid[i[6]], (int)grid[i[5]], (int)grid[i[4]],
                            (int)grid[i[3]], (int)grid[i[2]], (int)grid[i[1]], (int)grid[i[0]]);
}

struct iq3_xxs_avx512 {
    using block = block_iq3_xxs;
    static constexpr bool kShifted = false;
    static float scale(const block& b) { return half_to_float(b.d) * 0.25f; }
    // After the 64 index bytes, one 32-bit word per 32 values: four 7-bit sign indices, the scale l.
    static void begin(const block& b, iq_block_state& st) {
        const __m256i aux = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + QK_K / 4));
        _mm256_store_si256(reinterpret_cast<__m256i*>(st.neg), iq_signs_from_index4(aux));
        st.scales = odd_scales_from_top_nibbles(aux);
    }
    static void part(const block& b, const iq_block_state& st, int p, __m512i& mag, __mmask64& neg) {
        const uint8_t* q = b.qs + 16 * p;
        int i[16];
        for (int n = 0; n < 16; ++n) i[n] = q[n];
        mag = grid16(iq3xxs_grid, i);
        neg = _cvtu64_mask64(st.neg[p]);
    }
};

struct iq3_s_avx512 {
    using block = block_iq3_s;
    static constexpr bool kShifted = false;
    static float scale(const block& b) { return half_to_float(b.d); }
    // Four bytes of two 4-bit scales per 64 values → one 2l + 1 per 32 values, each for 2 × 16 lanes.
    static void begin(const block& b, iq_block_state& st) {
        uint32_t packed;
        std::memcpy(&packed, b.scales, 4);
        const __m128i v = _mm_cvtsi32_si128((int)packed);
        const __m128i l = _mm_unpacklo_epi8(_mm_and_si128(v, _mm_set1_epi8(0x0F)), _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0F)));
        st.scales = odd_scales16(_mm_unpacklo_epi8(l, l));
        _mm512_store_si512(st.idx, indices32(b.qs, b.qh));
        _mm512_store_si512(st.idx + 32, indices32(b.qs + 32, b.qh + 4));
    }
    // Part p: 16 index bytes with a ninth bit each in qh[2p], qh[2p+1]; explicit sign bits.
    static void part(const block& b, const iq_block_state& st, int p, __m512i& mag, __mmask64& neg) {
        mag = grid16(iq3s_grid, st.idx + 16 * p);
        uint64_t bits;
        std::memcpy(&bits, b.signs + 8 * p, 8);
        neg = _cvtu64_mask64(bits);
    }
    // Value group n's 9-bit index: qs[n] | bit n % 8 of qh[n / 8] << 8, for 32 groups at a time.
    static __m512i indices32(const uint8_t* qs, const uint8_t* qh) {
        uint32_t h;
        std::memcpy(&h, qh, 4);
        const __m512i spread = _mm512_permutexvar_epi16(_mm512_set_epi64(0x0003000300030003, 0x0003000300030003, 0x0002000200020002, 0x0002000200020002,
                                                                          0x0001000100010001, 0x0001000100010001, 0, 0),
                                                        _mm512_castsi128_si512(_mm_cvtepu8_epi16(_mm_cvtsi32_si128((int)h))));
        const __m512i high = _mm512_and_si512(_mm512_srlv_epi16(spread, _mm512_set_epi64(0x0007000600050004, 0x0003000200010000, 0x0007000600050004, 0x0003000200010000,
                                                                                          0x0007000600050004, 0x0003000200010000, 0x0007000600050004, 0x0003000200010000)),
                                              _mm512_set1_epi16(1));
        return _mm512_or_si512(_mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs))), _mm512_slli_epi16(high, 8));
    }
};

}  // namespace

void register_avx512_iq3(kernel_table& t) {
    set_iq_kernels512<iq3_xxs_avx512>(t, NI_TYPE_IQ3_XXS);
    set_iq_kernels512<iq3_s_avx512>(t, NI_TYPE_IQ3_S);
}

}  // namespace ni
