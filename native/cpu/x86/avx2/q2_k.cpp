// Q2_K GEMV for AVX2 (the AVX2 table only; its GEMM stays ../vector_kernels/k_quants.inl's). The
// shared kernel reaches each 32-value group by its own load and shift and builds each group's scale
// vector from two broadcasts and an insert; here, per half super-block (128 values), one register
// holds the 32 bytes of 2-bit values and the four groups come out of it with one shift in all:
//   group 0: v & 0x03 = q        group 1: v & 0x0C = 4·q
//   group 2: v & 0x30 = 16·q     group 3: (v >> 2) & 0x30 = 16·q
// so every product is 16·q·x·scale once the scales of groups 0 and 1 are taken 16 and 4 times
// (at most 240: still a byte). Those scale bytes come from one 16-bit multiply per super-block, and
// each group's int16 scale lanes from one byte shuffle (maddubs sums ≤ 2·48·128 never saturate).
// The super-block's int32 lanes (elements 4l..4l+3 of every group, as the shared kernel folds them)
// are 16 times the exact sums; one arithmetic shift gives them back exactly, and the float work
// — d·d_x, −dmin·d_x on the mins, two accumulators, the same horizontal sums — is the shared
// kernel's, so the GEMV's bits are the GEMM's (test_batch_invariance).
#include "activations.h"
#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "simd.h"

namespace ni {
namespace {

constexpr int kPrefetchBytes = 1024;

// int16 lanes 0-7 ← scale byte 2s of the lane's 8, lanes 8-15 ← byte 2s + 1 (high bytes zero);
// the half's 8 scale bytes sit at byte offset 8·h of each 128-bit lane.
static inline __m256i scale_shuffle(int h, int s) {
    const char lo = (char)(8 * h + 2 * s), hi = (char)(8 * h + 2 * s + 1), z = (char)0x80;
    return _mm256_setr_epi8(lo, z, lo, z, lo, z, lo, z, lo, z, lo, z, lo, z, lo, z,
                            hi, z, hi, z, hi, z, hi, z, hi, z, hi, z, hi, z, hi, z);
}

// 16 × the exact Σ scale·q·x of one half (values 128h .. 128h + 127), in the shared kernel's lanes.
template <int H>
static inline __m256i half_sum(const block_q2_K& b, const int8_t* xq, __m256i scales) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * H));
    const __m256i u = _mm256_srli_epi16(v, 2);
    const __m256i q0 = _mm256_and_si256(v, _mm256_set1_epi8(0x03));
    const __m256i q1 = _mm256_and_si256(v, _mm256_set1_epi8(0x0C));
    const __m256i q2 = _mm256_and_si256(v, _mm256_set1_epi8(0x30));
    const __m256i q3 = _mm256_and_si256(u, _mm256_set1_epi8(0x30));
    const __m256i* x = reinterpret_cast<const __m256i*>(xq + 128 * H);
    const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(q0, _mm256_loadu_si256(x + 0)), _mm256_shuffle_epi8(scales, scale_shuffle(H, 0)));
    const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(q1, _mm256_loadu_si256(x + 1)), _mm256_shuffle_epi8(scales, scale_shuffle(H, 1)));
    const __m256i p2 = _mm256_madd_epi16(_mm256_maddubs_epi16(q2, _mm256_loadu_si256(x + 2)), _mm256_shuffle_epi8(scales, scale_shuffle(H, 2)));
    const __m256i p3 = _mm256_madd_epi16(_mm256_maddubs_epi16(q3, _mm256_loadu_si256(x + 3)), _mm256_shuffle_epi8(scales, scale_shuffle(H, 3)));
    return _mm256_add_epi32(_mm256_add_epi32(p0, p1), _mm256_add_epi32(p2, p3));
}

float q2_K_row(int64_t k, const char* w, const block_q8_K* xb) {
    const int64_t nsb = k / QK_K;
    const block_q2_K* wb = reinterpret_cast<const block_q2_K*>(w);
    const __m128i low4 = _mm_set1_epi8(0x0F);
    // Scale bytes of groups 0, 1, 2, 3 of each half taken ×16, ×4, ×1, ×1 (pairs of bytes per 16-bit lane: no carries).
    const __m128i weights = _mm_setr_epi16(16, 4, 1, 1, 16, 4, 1, 1);
    __m256 acc = _mm256_setzero_ps(), accm = _mm256_setzero_ps();
    for (int64_t s = 0; s < nsb; ++s) {
        const block_q2_K& b = wb[s];
        _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes + 64, _MM_HINT_T0);
        const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
        const __m256i scales = _mm256_broadcastsi128_si256(_mm_mullo_epi16(_mm_and_si128(raw, low4), weights));
        const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), low4));
        const __m256i sum16 = _mm256_add_epi32(half_sum<0>(b, xb[s].qs, scales), half_sum<1>(b, xb[s].qs, scales));
        const __m256i total = _mm256_srai_epi32(sum16, 4);
        const float xd = xb[s].d;
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(_cvtsh_ss(b.d) * xd), acc);
        const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb[s].bsums));
        accm = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(bsums, mins)), _mm256_set1_ps(-_cvtsh_ss(b.dmin) * xd), accm);
    }
    return hsum_ps(acc) + hsum_ps(accm);
}

void q2_K_gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const char* wr = static_cast<const char*>(w);
    const block_q8_K* xb = static_cast<const block_q8_K*>(xq);
    for (int64_t r = 0; r < nrows; ++r) y[r] = q2_K_row(k, wr + r * w_stride, xb);
}

}  // namespace

// The GEMV only: register_avx2_k_quants_low sets the Q2_K GEMM and activations.
void register_avx2_q2_K_gemv(kernel_table& t) { t.types[NI_TYPE_Q2_K].gemv = q2_K_gemv; }

}  // namespace ni
