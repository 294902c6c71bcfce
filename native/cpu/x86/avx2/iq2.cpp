// AVX2 decoders of IQ2_XXS, IQ2_XS and IQ2_S for the i-quant row kernel (iq_rows.h): per 32-value
// chunk, four grid points of 8 magnitudes; signs of the whole super-block computed in vectors from
// the 7-bit sign indices (IQ2_XXS, IQ2_XS) or read as IQ2_S's explicit bits; x = d/8·(2l + 1)·grid·sign.
#include <cstring>

#include "core/blocks_iq.h"
#include "iq_rows.h"
#include "quants/iq_tables.h"

namespace ni {
namespace {

// Per 16-bit word (9-bit grid index | 7-bit sign index << 9): the 8 sign bits in the low byte, the
// eighth the parity of the index — by a 16-entry parity table on the index's two folded nibbles
// (one shuffle) instead of iq_signs_from_index_hi7's three shift-and-xor folds.
static inline __m256i iq2_xs_signs16(__m256i q) {
    const __m256i parity_of_nibble = _mm256_setr_epi8(0, -128, -128, 0, -128, 0, 0, -128, -128, 0, 0, -128, 0, -128, -128, 0,
                                                      0, -128, -128, 0, -128, 0, 0, -128, -128, 0, 0, -128, 0, -128, -128, 0);
    const __m256i s = _mm256_srli_epi16(q, 9);
    return _mm256_or_si256(s, _mm256_shuffle_epi8(parity_of_nibble, _mm256_xor_si256(s, _mm256_srli_epi16(q, 13))));
}

struct iq2_xxs_avx2 {
    using block = block_iq2_xxs;
    static constexpr bool kShifted = false, kRolledLoop = false;
    static float scale(const block& b) { return half_to_float(b.d) * 0.125f; }
    // Chunk j is one 64-bit word: grid indices in bytes 0-3, four 7-bit sign indices and l above.
    static void begin(const block& b, iq_state256& st) {
        const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs));
        const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 16));
        // The upper 32-bit halves of the eight words, in order.
        const __m256i odd = _mm256_setr_epi32(1, 3, 5, 7, 1, 3, 5, 7);
        const __m256i aux = _mm256_permute2x128_si256(_mm256_permutevar8x32_epi32(w0, odd), _mm256_permutevar8x32_epi32(w1, odd), 0x20);
        st.signs = iq_signs_from_index4(aux);
        st.scales = odd_scales_from_top_nibbles(aux);
    }
    static void chunk(const block& b, const iq_state256& st, int j, __m256i& mag, __m256i& sgn) {
        const uint8_t* q = reinterpret_cast<const uint8_t*>(b.qs + 4 * j);
        mag = gather4x64(iq2xxs_grid, q[0], q[1], q[2], q[3]);
        sgn = chunk_signs(st, j);
    }
};

struct iq2_xs_avx2 {
    using block = block_iq2_xs;
    static constexpr bool kShifted = false, kRolledLoop = false;
    static float scale(const block& b) { return half_to_float(b.d) * 0.125f; }
    // 32 words: 9-bit grid index | 7-bit sign index << 9; two 4-bit scales per 32 values.
    static void begin(const block& b, iq_state256& st) {
        const __m256i s0 = iq2_xs_signs16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)));
        const __m256i s1 = iq2_xs_signs16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 16)));
        // packus interleaves the 128-bit halves of its operands; the permute restores value order.
        st.signs = _mm256_permute4x64_epi64(_mm256_packus_epi16(s0, s1), 0xD8);
        st.scales = odd_scales_from_nibbles(b.scales);
    }
    static void chunk(const block& b, const iq_state256& st, int j, __m256i& mag, __m256i& sgn) {
        const uint16_t* q = b.qs + 4 * j;
        mag = gather4x64(iq2xs_grid, q[0] & 511, q[1] & 511, q[2] & 511, q[3] & 511);
        sgn = chunk_signs(st, j);
    }
};

struct iq2_s_avx2 {
    using block = block_iq2_s;
    static constexpr bool kShifted = false, kRolledLoop = false;
    static float scale(const block& b) { return half_to_float(b.d) * 0.125f; }
    // Explicit sign bits after the 32 index bytes.
    static void begin(const block& b, iq_state256& st) {
        st.signs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + QK_K / 8));
        st.scales = odd_scales_from_nibbles(b.scales);
    }
    // Chunk j: four index bytes with 2 high bits each in qh[j].
    static void chunk(const block& b, const iq_state256& st, int j, __m256i& mag, __m256i& sgn) {
        const uint8_t* q = b.qs + 4 * j;
        const int h = b.qh[j];
        mag = gather4x64(iq2s_grid, q[0] | (h << 8 & 0x300), q[1] | (h << 6 & 0x300), q[2] | (h << 4 & 0x300), q[3] | (h << 2 & 0x300));
        sgn = chunk_signs(st, j);
    }
};

}  // namespace

void register_avx2_iq2(kernel_table& t) {
    set_iq_kernels<iq2_xxs_avx2>(t, NI_TYPE_IQ2_XXS);
    set_iq_kernels<iq2_xs_avx2>(t, NI_TYPE_IQ2_XS);
    set_iq_kernels<iq2_s_avx2>(t, NI_TYPE_IQ2_S);
}

}  // namespace ni
