// AVX2 kernels for Q4_K and Q6_K weights against Q8_K activations (ggml's block, prepared by the
// AVX2 quantizer, bit-identical to the reference).
//
// One call computes one weight row against RN tokens: each super-block of 256 weights is unpacked
// once (scales, mins, 4- or 6-bit values) and multiplied with every token, so the GEMM reads each
// weight row once per RN tokens. Products run in int32 inside a super-block:
//   Q4_K: Σ_j sc_j·Σ q·x (maddubs of 0..15 by int8, madd by the scale) − Σ_j m_j·(sums of x)
//   Q6_K: Σ_j sc_j·(Σ q·x − 32·Σ x) with q in 0..63, the 32 offset folded in through bsums
// and the super-block's result goes to a float accumulator with d·d_x (and −dmin·d_x for mins).
#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "simd.h"
#include "activations.h"
#include "x86/common/k_quant_rows.h"

namespace ni {
namespace {

constexpr int kPrefetchBytes = 1024;

template <int RN>
void q4_K_row(int64_t k, const char* w, const char* const* x, float* const* y) {
    const int64_t nsb = k / QK_K;
    const block_q4_K* wb = reinterpret_cast<const block_q4_K*>(w);
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    __m256 acc[RN];
    for (int c = 0; c < RN; ++c) acc[c] = _mm256_setzero_ps();
    for (int64_t s = 0; s < nsb; ++s) {
        const block_q4_K& b = wb[s];
        _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes + 64, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes + 128, _MM_HINT_T0);
        uint8_t sc[8], m[8];
        q4_K_scales(b.scales, sc, m);
        const float d = half_to_float(b.d), dmin = half_to_float(b.dmin);
        // mins, each repeated for the two 16-value bsums of its sub-block
        const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(m)),
                                                                      _mm_loadl_epi64(reinterpret_cast<const __m128i*>(m))));
        __m256i sumi[RN];
        for (int c = 0; c < RN; ++c) sumi[c] = _mm256_setzero_si256();
        for (int g = 0; g < 4; ++g) {
            const __m256i qv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * g));
            const __m256i lo = _mm256_and_si256(qv, low4), hi = _mm256_and_si256(_mm256_srli_epi16(qv, 4), low4);
            const __m256i s_lo = _mm256_set1_epi16(sc[2 * g]), s_hi = _mm256_set1_epi16(sc[2 * g + 1]);
            for (int c = 0; c < RN; ++c) {
                const block_q8_K& xb = reinterpret_cast<const block_q8_K*>(x[c])[s];
                const __m256i xl = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs + 64 * g));
                const __m256i xh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs + 64 * g + 32));
                sumi[c] = _mm256_add_epi32(sumi[c], _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(lo, xl), s_lo),
                                                                     _mm256_madd_epi16(_mm256_maddubs_epi16(hi, xh), s_hi)));
            }
        }
        for (int c = 0; c < RN; ++c) {
            const block_q8_K& xb = reinterpret_cast<const block_q8_K*>(x[c])[s];
            const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums));
            const __m256i msum = _mm256_madd_epi16(bsums, mins16);
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi[c]), _mm256_set1_ps(d * xb.d), acc[c]);
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(-dmin * xb.d), acc[c]);
        }
    }
    for (int c = 0; c < RN; ++c) *y[c] = hsum_ps(acc[c]);
}

template <int RN>
void q6_K_row(int64_t k, const char* w, const char* const* x, float* const* y) {
    const int64_t nsb = k / QK_K;
    const block_q6_K* wb = reinterpret_cast<const block_q6_K*>(w);
    const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(0x03);
    __m256 acc[RN];
    for (int c = 0; c < RN; ++c) acc[c] = _mm256_setzero_ps();
    for (int64_t s = 0; s < nsb; ++s) {
        const block_q6_K& b = wb[s];
        for (int i = 0; i < 4; ++i) _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes + 64 * i, _MM_HINT_T0);
        const float d = half_to_float(b.d);
        const __m256i scales16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
        __m256i sumi[RN];
        for (int c = 0; c < RN; ++c) sumi[c] = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.ql + 64 * h));
            const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.ql + 64 * h + 32));
            const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh + 32 * h));
            const __m256i q[4] = {
                _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_slli_epi16(_mm256_and_si256(qh, low2), 4)),
                _mm256_or_si256(_mm256_and_si256(ql1, low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), low2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), low2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), low2), 4)),
            };
            for (int i = 0; i < 4; ++i) {
                const int j = 8 * h + 2 * i;  // the two 16-value sub-blocks q[i] spans
                const __m256i sc = _mm256_set_m128i(_mm_set1_epi16(b.scales[j + 1]), _mm_set1_epi16(b.scales[j]));
                for (int c = 0; c < RN; ++c) {
                    const block_q8_K& xb = reinterpret_cast<const block_q8_K*>(x[c])[s];
                    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs + 128 * h + 32 * i));
                    sumi[c] = _mm256_add_epi32(sumi[c], _mm256_madd_epi16(_mm256_maddubs_epi16(q[i], xv), sc));
                }
            }
        }
        for (int c = 0; c < RN; ++c) {
            const block_q8_K& xb = reinterpret_cast<const block_q8_K*>(x[c])[s];
            const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums));
            const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(bsums, scales16), 5);  // 32·Σ sc_j·bsum_j
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(sumi[c], offset)), _mm256_set1_ps(d * xb.d), acc[c]);
        }
    }
    for (int c = 0; c < RN; ++c) *y[c] = hsum_ps(acc[c]);
}

using q4_K_driver = row_driver<q4_K_row<1>, q4_K_row<4>>;
using q6_K_driver = row_driver<q6_K_row<1>, q6_K_row<4>>;

size_t q8_K_bytes(int64_t k) { return (size_t)(k / QK_K) * sizeof(block_q8_K); }

}  // namespace

void register_avx2_k_quants(kernel_table& t) {
    const int types[] = {NI_TYPE_Q4_K, NI_TYPE_Q6_K};
    for (int type : types) {
        t.types[type].act_bytes = q8_K_bytes;
        t.types[type].prepare_act = avx2_quantize_row_q8_K;
    }
    t.types[NI_TYPE_Q4_K].gemv = q4_K_driver::gemv;
    t.types[NI_TYPE_Q4_K].gemm = q4_K_driver::gemm;
    t.types[NI_TYPE_Q6_K].gemv = q6_K_driver::gemv;
    t.types[NI_TYPE_Q6_K].gemm = q6_K_driver::gemm;
}

}  // namespace ni
