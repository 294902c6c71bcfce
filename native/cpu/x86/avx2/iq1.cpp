// AVX2 decoders of IQ1_S and IQ1_M for the i-quant row kernel (iq_rows.h). A value is
// d·(2l + 1)·(grid ± 1/8) with grid in {−1, 0, 1}: W·x = d/8·Σ (2l + 1)·(8·Σ grid·x ± Σ x).
//   IQ1_S (one scale and shift sign per 32 values): the kernel multiplies the grid bytes themselves
//         (magnitude |grid|, sign of grid) with scales 8·(2l + 1); the shifts enter once per
//         super-block through the activations' 16-value sums (bsums) times ±(2l + 1).
//   IQ1_M (a shift sign per 8 values, finer than bsums): the kernel multiplies v = 8·grid ± 1,
//         looked up whole in iq1s_grid_shifted.
#include <cstring>

#include "core/blocks_iq.h"
#include "iq_rows.h"
#include "quants/iq_tables.h"

namespace ni {
namespace {

struct iq1_s_avx2 {
    using block = block_iq1_s;
    static constexpr bool kShifted = true, kRolledLoop = false;
    static float scale(const block& b) { return half_to_float(b.d) * 0.125f; }
    // qh[j]: l of chunk j in bits 12-14, its shift's sign in bit 15 (each for two 16-value lanes).
    static void begin(const block& b, iq_state256& st) {
        const __m128i qh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qh));
        const __m128i s = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(qh, 12), _mm_set1_epi16(7)), 1), _mm_set1_epi16(1));
        const __m256i odd = _mm256_set_m128i(_mm_unpackhi_epi16(s, s), _mm_unpacklo_epi16(s, s));  // 2l + 1 per 16 values
        const __m128i neg = _mm_srai_epi16(qh, 15);                                                // −1 where bit 15 is set
        const __m256i sign = _mm256_or_si256(_mm256_set_m128i(_mm_unpackhi_epi16(neg, neg), _mm_unpacklo_epi16(neg, neg)), _mm256_set1_epi16(1));
        st.scales = _mm256_slli_epi16(odd, 3);
        st.shift = _mm256_sign_epi16(odd, sign);
    }
    static void chunk(const block& b, const iq_state256&, int j, __m256i& mag, __m256i& sgn) {
        const uint8_t* q = b.qs + 4 * j;
        const int h = b.qh[j];
        const __m256i g = gather4x64(iq1s_grid, q[0] | (h << 8 & 0x700), q[1] | (h << 5 & 0x700), q[2] | (h << 2 & 0x700), q[3] | (h >> 1 & 0x700));
        mag = _mm256_abs_epi8(g);
        sgn = g;
    }
};

struct iq1_m_avx2 {
    using block = block_iq1_m;
    static constexpr bool kShifted = false, kRolledLoop = false;
    static float scale(const block& b) { return half_to_float(iq1m_scale(b.scales)) * 0.125f; }
    // Scale word w holds l of values 64w + 16i in bits 3i .. 3i + 2 (i < 4): each lane's 3 bits are
    // moved to the top of its 16 bits by a multiply, then down.
    static void begin(const block& b, iq_state256& st) {
        uint64_t words;
        std::memcpy(&words, b.scales, 8);
        const __m256i w = _mm256_shuffle_epi8(_mm256_set1_epi64x((long long)words),
                                              _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3,
                                                               4, 5, 4, 5, 4, 5, 4, 5, 6, 7, 6, 7, 6, 7, 6, 7));
        const __m256i l = _mm256_srli_epi16(_mm256_mullo_epi16(w, _mm256_set1_epi64x(0x0010008004002000)), 13);
        st.scales = _mm256_or_si256(_mm256_slli_epi16(l, 1), _mm256_set1_epi16(1));
    }
    // The shift sign is per group of 8 (bit 3 of its qh nibble), finer than bsums: the kernel
    // multiplies v = 8·grid ± 1 (never zero), looked up whole in iq1s_grid_shifted by the group's
    // nibble (3 index bits and the shift's sign) above its index byte, with scales 2l + 1.
    static void chunk(const block& b, const iq_state256&, int j, __m256i& mag, __m256i& sgn) {
        const uint8_t* q = b.qs + 4 * j;
        uint16_t hw;  // qh[2j] | qh[2j + 1] << 8: the four nibbles in index order
        std::memcpy(&hw, b.qh + 2 * j, 2);
        const int h = hw;
        const __m256i v = gather4x64(iq1s_grid_shifted, q[0] | (h << 8 & 0xF00), q[1] | (h << 4 & 0xF00), q[2] | (h & 0xF00), q[3] | (h >> 4 & 0xF00));
        mag = _mm256_abs_epi8(v);
        sgn = v;
    }
};

}  // namespace

void register_avx2_iq1(kernel_table& t) {
    set_iq_kernels<iq1_s_avx2>(t, NI_TYPE_IQ1_S);
    set_iq_kernels<iq1_m_avx2>(t, NI_TYPE_IQ1_M);
}

}  // namespace ni
