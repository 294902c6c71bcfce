// Q3_K GEMV for AVX2 (the AVX2 table only; its GEMM stays ../vector_kernels/k_quants.inl's), in the
// way of q2_k.cpp: per half super-block one register holds the 32 bytes of low bits and the four
// groups come out of it with one shift in all, multiplied 1, 4, 16 and 16 times:
//   group 0: v & 0x03    group 1: v & 0x0C    group 2: v & 0x30    group 3: (v >> 2) & 0x30
// and the hmask bit of group j (bit j of every hmask byte), worth 4 in q + 4, moved by one shift to
// the bit that is 4 at the group's multiple (2, 4, 6, 6) and masked. The scales (−32..31) are taken
// 16, 16, 4, 4, 1, 1, 1, 1 times per half by one 16-bit multiply, each group's by one byte shuffle,
// so every product is 16·sc·(q + 4)·x: maddubs sums ≤ 2·112·128 do not saturate, and one arithmetic
// shift per super-block gives the shared kernel's exact int32 lanes (elements 4l..4l+3 of every
// group). The offset 4·Σ sc·bsum and the float steps are the shared kernel's, so the GEMV's bits
// are the GEMM's (test_batch_invariance).
#include <cstring>

#include "activations.h"
#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "simd.h"

namespace ni {
namespace {

constexpr int kPrefetchBytes = 1024;

// int16 lanes 0-7 ← the lane's scale 2s, lanes 8-15 ← scale 2s + 1 (16-bit scales, 8 per 128-bit lane).
static inline __m256i scale_shuffle(int s) {
    const char a = (char)(4 * s), b = (char)(4 * s + 1), c = (char)(4 * s + 2), d = (char)(4 * s + 3);
    return _mm256_setr_epi8(a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, c, d, c, d, c, d, c, d, c, d, c, d, c, d, c, d);
}

// hmask bit J of every byte moved to bit P, the rest cleared.
template <int J, int P>
static inline __m256i high_bit(__m256i hm) {
    const __m256i moved = P > J ? _mm256_slli_epi16(hm, P > J ? P - J : 0) : P < J ? _mm256_srli_epi16(hm, P < J ? J - P : 0) : hm;
    return _mm256_and_si256(moved, _mm256_set1_epi8((char)(1 << P)));
}

template <int H, int S>
static inline __m256i group_sum(__m256i low, __m256i hm, const __m256i* x, __m256i scales) {
    constexpr int P = S == 0 ? 2 : S == 1 ? 4 : 6;
    const __m256i q = _mm256_or_si256(low, high_bit<4 * H + S, P>(hm));
    return _mm256_madd_epi16(_mm256_maddubs_epi16(q, _mm256_loadu_si256(x + S)), _mm256_shuffle_epi8(scales, scale_shuffle(S)));
}

// 16 × the exact Σ sc·(q + 4)·x of one half (values 128h .. 128h + 127), in the shared kernel's lanes.
// The 16 six-bit scales minus 32 as int16, in sub-block order.
static inline __m256i q3_K_scales16(const uint8_t* packed) {
    return _mm256_sub_epi16(_mm256_cvtepu8_epi16(q3_K_scale_bytes(packed)), _mm256_set1_epi16(32));
}

template <int H>
static inline __m256i half_sum(const block_q3_K& b, __m256i hm, const int8_t* xq, __m256i scales) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * H));
    const __m256i u = _mm256_srli_epi16(v, 2);
    const __m256i* x = reinterpret_cast<const __m256i*>(xq + 128 * H);
    const __m256i p0 = group_sum<H, 0>(_mm256_and_si256(v, _mm256_set1_epi8(0x03)), hm, x, scales);
    const __m256i p1 = group_sum<H, 1>(_mm256_and_si256(v, _mm256_set1_epi8(0x0C)), hm, x, scales);
    const __m256i p2 = group_sum<H, 2>(_mm256_and_si256(v, _mm256_set1_epi8(0x30)), hm, x, scales);
    const __m256i p3 = group_sum<H, 3>(_mm256_and_si256(u, _mm256_set1_epi8(0x30)), hm, x, scales);
    return _mm256_add_epi32(_mm256_add_epi32(p0, p1), _mm256_add_epi32(p2, p3));
}

float q3_K_row(int64_t k, const char* w, const block_q8_K* xb) {
    const int64_t nsb = k / QK_K;
    const block_q3_K* wb = reinterpret_cast<const block_q3_K*>(w);
    const __m256i weights = _mm256_setr_epi16(16, 16, 4, 4, 1, 1, 1, 1, 16, 16, 4, 4, 1, 1, 1, 1);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t s = 0; s < nsb; ++s) {
        const block_q3_K& b = wb[s];
        _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes + 64, _MM_HINT_T0);
        const __m256i scales = q3_K_scales16(b.scales);
        const __m256i weighted = _mm256_mullo_epi16(scales, weights);
        const __m256i hm = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.hmask));
        const __m256i sum16 = _mm256_add_epi32(half_sum<0>(b, hm, xb[s].qs, _mm256_permute2x128_si256(weighted, weighted, 0x00)),
                                               half_sum<1>(b, hm, xb[s].qs, _mm256_permute2x128_si256(weighted, weighted, 0x11)));
        const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb[s].bsums));
        // Σ sc·(q + 4)·x − 4·Σ sc_j·bsum_j, as the shared kernel
        const __m256i total = _mm256_sub_epi32(_mm256_srai_epi32(sum16, 4), _mm256_slli_epi32(_mm256_madd_epi16(bsums, scales), 2));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(_cvtsh_ss(b.d) * xb[s].d), acc);
    }
    // + the shared kernel's empty min accumulator (0.0f: it turns a −0 sum into +0 there too)
    return hsum_ps(acc) + hsum_ps(_mm256_setzero_ps());
}

void q3_K_gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const char* wr = static_cast<const char*>(w);
    const block_q8_K* xb = static_cast<const block_q8_K*>(xq);
    for (int64_t r = 0; r < nrows; ++r) y[r] = q3_K_row(k, wr + r * w_stride, xb);
}

}  // namespace

// The GEMV only: register_avx2_k_quants_low sets the Q3_K GEMM and activations.
void register_avx2_q3_K_gemv(kernel_table& t) { t.types[NI_TYPE_Q3_K].gemv = q3_K_gemv; }

}  // namespace ni
