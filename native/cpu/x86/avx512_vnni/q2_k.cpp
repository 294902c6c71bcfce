// Q2_K GEMV for AVX-512 with VNNI. The shared k-quant kernel (../vector_kernels/k_quants.inl) takes
// one 32-value group per 256-bit step (two shifts and an insert to reach its bits, maddubs, madd by the
// scales); here the whole super-block's 64 bytes of 2-bit values sit in one register, and per shift
// s (0..3) one register holds group s of both halves (elements 32s.. and 128 + 32s..):
//   q_s = (v >> 2s) & 3                        unsigned 0..3
//   acc = dpwssd(acc, maddubs(q_s, x_s), scale of the lane's 16-value sub-block)
//                                              exact Σ q·x·scale per 4-element lane
// with x_s the matching plane of the activations, prepared once per token after the Q8_K blocks the
// shared GEMM reads. The lanes fold into the eight the shared kernel folds its sums into (elements
// 4l..4l+3 of every group) before the same 256-bit float work, mins included, so the result is
// bit-identical to the shared GEMM (test_batch_invariance checks it).
#include <immintrin.h>

#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "x86/avx512_vnni/two_bit_planes.h"

namespace ni {
namespace {

// Two threads from DRAM, alternating builds: 2048 bytes ahead streamed 4-5 % more than 1024 (docs/benchmarks.md);
// these kernels take longer per byte than Q4_0's, so the same lead in time is more bytes.
constexpr int kPrefetchBytes = 2048;

using namespace two_bit_planes;

template <int S>
static inline __m512i q2_values(__m512i v) {
    return _mm512_and_si512(S == 0 ? v : _mm512_srli_epi16(v, 2 * S), _mm512_set1_epi8(3));
}

float row_dot(int64_t k, const char* w, const block_q8_K* xb, const prepared_planes* xp) {
    const int64_t nsb = k / QK_K;
    const block_q2_K* wb = reinterpret_cast<const block_q2_K*>(w);
    __m256 acc = _mm256_setzero_ps(), accm = _mm256_setzero_ps();
    for (int64_t s = 0; s < nsb; ++s) {
        const block_q2_K& b = wb[s];
        for (int i = 0; i < (int)(sizeof(block_q2_K) + 63) / 64; ++i)
            _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes + 64 * i, _MM_HINT_T0);
        const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)), low4 = _mm_set1_epi8(0x0F);
        const __m512i scales = _mm512_zextsi256_si512(_mm256_cvtepu8_epi16(_mm_and_si128(raw, low4)));
        const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), low4));
        const __m512i v = _mm512_loadu_si512(b.qs);
        __m512i sum = scaled_dot<0>(_mm512_setzero_si512(), q2_values<0>(v), xp[s], scales);
        sum = scaled_dot<1>(sum, q2_values<1>(v), xp[s], scales);
        sum = scaled_dot<2>(sum, q2_values<2>(v), xp[s], scales);
        sum = scaled_dot<3>(sum, q2_values<3>(v), xp[s], scales);
        // lanes 0-7: the first half's groups, 8-15: the second's; both fold into lane l = elements 4l..4l+3
        const __m256i total = _mm256_add_epi32(_mm512_castsi512_si256(sum), _mm512_extracti64x4_epi64(sum, 1));
        const float xd = xb[s].d;
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(_cvtsh_ss(b.d) * xd), acc);
        const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb[s].bsums));
        accm = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(bsums, mins)), _mm256_set1_ps(-_cvtsh_ss(b.dmin) * xd), accm);
    }
    return hsum_256(acc) + hsum_256(accm);
}

void gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const char* wr = static_cast<const char*>(w);
    const block_q8_K* xb = static_cast<const block_q8_K*>(xq);
    const prepared_planes* xp = planes_of(xq, k);
    for (int64_t r = 0; r < nrows; ++r) y[r] = row_dot(k, wr + r * w_stride, xb, xp);
}

}  // namespace

// The shared GEMM reads the Q8_K blocks at the start of the prepared row and ignores the tail.
void register_avx512_vnni_q2_K(kernel_table& t) {
    type_kernels& k = t.types[NI_TYPE_Q2_K];
    k.act_bytes = act_bytes;
    k.prepare_act = prepare_act;
    k.gemv = gemv;
}

}  // namespace ni
