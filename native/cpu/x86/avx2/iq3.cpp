// AVX2 decoders of IQ3_XXS and IQ3_S for the i-quant row kernel (iq_rows.h): per 32-value chunk,
// eight grid points of 4 magnitudes; signs of the whole super-block at once:
//   IQ3_XXS: signs from 7-bit indices (computed in vectors), x = d/4·(2l + 1)·grid·sign
//   IQ3_S:   8 index bytes with a ninth bit each in qh[j], explicit sign bits, x = d·(2l + 1)·grid·sign
#include <cstring>

#include "core/blocks_iq.h"
#include "iq_rows.h"
#include "quants/iq_tables.h"

namespace ni {
namespace {

static inline __m256i grid8(const uint32_t* grid, int i0, int i1, int i2, int i3, int i4, int i5, int i6, int i7) {
    return _mm256_set_epi32((int)grid[i7], (int)grid[i6], (int)grid[i5], (int)grid[i4], (int)grid[i3], (int)grid[i2], (int)grid[i1], (int)grid[i0]);
}

struct iq3_xxs_avx2 {
    using block = block_iq3_xxs;
    static constexpr bool kShifted = false, kRolledLoop = true;
    static float scale(const block& b) { return half_to_float(b.d) * 0.25f; }
    // After the 64 index bytes, one 32-bit word per 32 values: four 7-bit sign indices, the scale l.
    static void begin(const block& b, iq_state256& st) {
        const __m256i aux = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + QK_K / 4));
        st.signs = iq_signs_from_index4(aux);
        st.scales = odd_scales_from_top_nibbles(aux);
    }
    static void chunk(const block& b, const iq_state256& st, int j, __m256i& mag, __m256i& sgn) {
        const uint8_t* q = b.qs + 8 * j;
        mag = grid8(iq3xxs_grid, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]);
        sgn = chunk_signs_permuted(st, j);
    }
};

struct iq3_s_avx2 {
    using block = block_iq3_s;
    static constexpr bool kShifted = false, kRolledLoop = false;
    static float scale(const block& b) { return half_to_float(b.d); }
    // Explicit sign bits; four bytes of two 4-bit scales → one 2l + 1 per 32 values (two lanes each).
    static void begin(const block& b, iq_state256& st) {
        st.signs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.signs));
        uint32_t packed;
        std::memcpy(&packed, b.scales, 4);
        const __m128i v = _mm_cvtsi32_si128((int)packed);
        const __m128i l = _mm_unpacklo_epi8(_mm_and_si128(v, _mm_set1_epi8(0x0F)), _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0F)));
        st.scales = odd_scales16(_mm_unpacklo_epi8(l, l));
    }
    static void chunk(const block& b, const iq_state256& st, int j, __m256i& mag, __m256i& sgn) {
        const uint8_t* q = b.qs + 8 * j;
        const int h = b.qh[j];
        mag = grid8(iq3s_grid, q[0] | (h << 8 & 256), q[1] | (h << 7 & 256), q[2] | (h << 6 & 256), q[3] | (h << 5 & 256),
                    q[4] | (h << 4 & 256), q[5] | (h << 3 & 256), q[6] | (h << 2 & 256), q[7] | (h << 1 & 256));
        sgn = chunk_signs(st, j);
    }
};

}  // namespace

void register_avx2_iq3(kernel_table& t) {
    set_iq_kernels<iq3_xxs_avx2>(t, NI_TYPE_IQ3_XXS);
    set_iq_kernels<iq3_s_avx2>(t, NI_TYPE_IQ3_S);
}

}  // namespace ni
