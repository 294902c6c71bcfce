// AVX-512 kernels for Q4_K and Q6_K weights against Q8_K activations, included by avx512/ (NI_VNNI 0:
// maddubs, madd, add) and avx512_vnni/ (NI_VNNI 1: maddubs then vpdpwssd, the madd and the add in one).
// The AVX2 structure (one weight row against RN tokens, super-blocks unpacked once, int32 sums per
// super-block) with 512-bit vectors covering two 32-value sub-blocks (Q4_K) or two 32-value quarters
// (Q6_K) at once.
//   Q4_K: 64 bytes of nibbles hold sub-blocks (4p, 4p+2) in the low and (4p+1, 4p+3) in the high
//         nibbles; its prepared activations are Q8_K blocks with the 32-value sub-blocks stored in
//         the order 0,2,1,3,4,6,5,7 (values, d and bsums unchanged) so each pair is one 64-byte load.
//         The eight sub-block scales go into the 16-bit lanes by one word permute each.
//   Q6_K: 64 bytes of ql hold quarters 0,1 (low nibbles) and 2,3 (high nibbles) of a 128-value half,
//         in the activations' own order; per-16-value scales enter through madd.
// Both variants compute the same int32 lanes (exact integer sums) and the same float sequence, so a
// table with VNNI gives the bits of the one without (test_block_shapes compares them).
#ifndef NI_VNNI
#error "define NI_VNNI (0 or 1) before including q4_K_q6_K.inl"
#endif
#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "x86/avx2/activations.h"
#include "x86/avx512_common/simd512.h"
#include "x86/common/k_quant_rows.h"

namespace ni {
namespace {

constexpr int kPrefetchBytes = 1024;

// acc + the int16 pairs of a · b summed into int32 lanes (exact: no term or sum leaves int32 here).
inline __m512i madd_add(__m512i acc, __m512i a, __m512i b) {
#if NI_VNNI
    return _mm512_dpwssd_epi32(acc, a, b);
#else
    return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b));
#endif
}

// 32 int16 lanes holding scale A in the first 16 and scale B in the last 16, from the 8 scales.
template <int A, int B>
inline __m512i spread_scales(__m512i sc16) {
    return _mm512_permutexvar_epi16(_mm512_inserti64x4(_mm512_set1_epi16(A), _mm256_set1_epi16(B), 1), sc16);
}

// Q8_K quantization (bit-identical to the reference), then sub-blocks 1 and 2 (and 5 and 6) swapped.
void prepare_q8_K_for_q4_K(const float* x, void* out, int64_t k) {
    avx2_quantize_row_q8_K(x, out, k);
    block_q8_K* b = static_cast<block_q8_K*>(out);
    for (int64_t s = 0; s < k / QK_K; ++s)
        for (int p = 0; p < 2; ++p) {
            alignas(32) int8_t tmp[32];
            std::memcpy(tmp, b[s].qs + 128 * p + 32, 32);
            std::memcpy(b[s].qs + 128 * p + 32, b[s].qs + 128 * p + 64, 32);
            std::memcpy(b[s].qs + 128 * p + 64, tmp, 32);
        }
}

inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

template <int RN>
void q4_K_row(int64_t k, const char* w, const char* const* x, float* const* y) {
    const int64_t nsb = k / QK_K;
    const block_q4_K* wb = reinterpret_cast<const block_q4_K*>(w);
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    __m512 acc[RN];
    __m256 accm[RN];
    for (int c = 0; c < RN; ++c) { acc[c] = _mm512_setzero_ps(); accm[c] = _mm256_setzero_ps(); }
    for (int64_t s = 0; s < nsb; ++s) {
        const block_q4_K& b = wb[s];
        for (int i = 0; i < 3; ++i) _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes + 64 * i, _MM_HINT_T0);
        uint8_t sc[8], m[8];
        q4_K_scales(b.scales, sc, m);
        const float d = half_to_float(b.d), dmin = half_to_float(b.dmin);
        const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(m));
        const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
        const __m512i sc16 = _mm512_zextsi128_si512(_mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc))));
        const __m512i s_lo[2] = {spread_scales<0, 2>(sc16), spread_scales<4, 6>(sc16)};
        const __m512i s_hi[2] = {spread_scales<1, 3>(sc16), spread_scales<5, 7>(sc16)};
        __m512i sumi[RN];
        for (int c = 0; c < RN; ++c) sumi[c] = _mm512_setzero_si512();
        for (int p = 0; p < 2; ++p) {
            const __m512i qv = _mm512_loadu_si512(b.qs + 64 * p);
            const __m512i lo = _mm512_and_si512(qv, low4), hi = _mm512_and_si512(_mm512_srli_epi16(qv, 4), low4);
            for (int c = 0; c < RN; ++c) {
                const int8_t* xq = reinterpret_cast<const block_q8_K*>(x[c])[s].qs + 128 * p;
                const __m512i xl = _mm512_loadu_si512(xq), xh = _mm512_loadu_si512(xq + 64);
                sumi[c] = madd_add(madd_add(sumi[c], _mm512_maddubs_epi16(lo, xl), s_lo[p]), _mm512_maddubs_epi16(hi, xh), s_hi[p]);
            }
        }
        for (int c = 0; c < RN; ++c) {
            const block_q8_K& xb = reinterpret_cast<const block_q8_K*>(x[c])[s];
            const __m256i msum = _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums)), mins16);
            acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi[c]), _mm512_set1_ps(d * xb.d), acc[c]);
            accm[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(-dmin * xb.d), accm[c]);
        }
    }
    for (int c = 0; c < RN; ++c) *y[c] = _mm512_reduce_add_ps(acc[c]) + hsum256(accm[c]);
}

template <int RN>
void q6_K_row(int64_t k, const char* w, const char* const* x, float* const* y) {
    const int64_t nsb = k / QK_K;
    const block_q6_K* wb = reinterpret_cast<const block_q6_K*>(w);
    const __m512i low4 = _mm512_set1_epi8(0x0F), low2 = _mm512_set1_epi8(0x03);
    // Each of a quarter-pair's four 16-value sub-blocks owns 8 int16 lanes of the madd.
    const __m512i spread_lo = _mm512_set_epi16(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i spread_hi = _mm512_add_epi16(spread_lo, _mm512_set1_epi16(4));
    __m512 acc[RN];
    for (int c = 0; c < RN; ++c) acc[c] = _mm512_setzero_ps();
    for (int64_t s = 0; s < nsb; ++s) {
        const block_q6_K& b = wb[s];
        for (int i = 0; i < 4; ++i) _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes + 64 * i, _MM_HINT_T0);
        const float d = half_to_float(b.d);
        const __m256i scales16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
        __m512i sumi[RN];
        for (int c = 0; c < RN; ++c) sumi[c] = _mm512_setzero_si512();
        for (int h = 0; h < 2; ++h) {
            const __m512i ql = _mm512_loadu_si512(b.ql + 64 * h);
            const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh + 32 * h));
            const __m512i qh01 = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
            const __m512i qh23 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_srli_epi16(qh, 4)), _mm256_srli_epi16(qh, 6), 1);
            const __m512i q01 = _mm512_or_si512(_mm512_and_si512(ql, low4), _mm512_slli_epi16(_mm512_and_si512(qh01, low2), 4));
            const __m512i q23 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4), _mm512_slli_epi16(_mm512_and_si512(qh23, low2), 4));
            const __m512i sc8 = _mm512_castsi128_si512(_mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b.scales + 8 * h))));
            const __m512i s01 = _mm512_permutexvar_epi16(spread_lo, sc8), s23 = _mm512_permutexvar_epi16(spread_hi, sc8);
            for (int c = 0; c < RN; ++c) {
                const int8_t* xq = reinterpret_cast<const block_q8_K*>(x[c])[s].qs + 128 * h;
                sumi[c] = madd_add(sumi[c], _mm512_maddubs_epi16(q01, _mm512_loadu_si512(xq)), s01);
                sumi[c] = madd_add(sumi[c], _mm512_maddubs_epi16(q23, _mm512_loadu_si512(xq + 64)), s23);
            }
        }
        for (int c = 0; c < RN; ++c) {
            const block_q8_K& xb = reinterpret_cast<const block_q8_K*>(x[c])[s];
            const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums)), scales16), 5);
            // Fold the 8 offset lanes into the first 8 of the 16 sum lanes (the sum is all that matters);
            // zero-extended: a cast leaves the upper 8 lanes undefined.
            const __m512i total = _mm512_sub_epi32(sumi[c], _mm512_zextsi256_si512(offset));
            acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(total), _mm512_set1_ps(d * xb.d), acc[c]);
        }
    }
    for (int c = 0; c < RN; ++c) *y[c] = _mm512_reduce_add_ps(acc[c]);
}

using q4_K_driver = row_driver<q4_K_row<1>, q4_K_row<4>>;
using q6_K_driver = row_driver<q6_K_row<1>, q6_K_row<4>>;

}  // namespace

void NI_REGISTER_Q4_K_Q6_K(kernel_table& t) {
    t.types[NI_TYPE_Q4_K].prepare_act = prepare_q8_K_for_q4_K;
    t.types[NI_TYPE_Q4_K].gemv = q4_K_driver::gemv;
    t.types[NI_TYPE_Q4_K].gemm = q4_K_driver::gemm;
    t.types[NI_TYPE_Q6_K].gemv = q6_K_driver::gemv;
    t.types[NI_TYPE_Q6_K].gemm = q6_K_driver::gemm;
}

}  // namespace ni
