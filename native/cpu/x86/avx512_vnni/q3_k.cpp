// Q3_K GEMV for AVX-512 with VNNI, as q2_k.cpp: the super-block's 64 bytes of low bits in one
// register, per shift s (0..3) group s of both halves (elements 32s.. and 128 + 32s..):
//   q_s = ((v >> 2s) & 3) | (((hmask >> s, >> 4 + s) & 1) << 2)   q + 4, unsigned 0..7
//   acc = dpwssd(acc, maddubs(q_s, x_s), sc − 32 of the lane's 16-value sub-block)
//                                              exact Σ (q + 4)·x·(sc − 32) per 4-element lane
// then, as the shared kernel, 4·Σ (sc_j − 32)·bsum_j is subtracted in int32 and the lanes fold into its
// eight before the same 256-bit float work: bit-identical to the shared GEMM (test_batch_invariance).
#include <immintrin.h>


#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "x86/avx2/simd.h"
#include "x86/avx512_vnni/two_bit_planes.h"

namespace ni {
namespace {

// Two threads from DRAM, alternating builds: 2048 bytes ahead streamed 4-5 % more than 1024 (docs/benchmarks.md);
// these kernels take longer per byte than Q4_0's, so the same lead in time is more bytes.
constexpr int kPrefetchBytes = 2048;

using namespace two_bit_planes;

// q_s + 4 (0..7) for shift S: bits 0-1 from the low bits shifted down, bit 2 from hmask — bit S (first
// half) or 4 + S (second half) of each byte rotated into place, the other bits masked off — merged by
// one bit select (vpternlog: C ? A : B with C = 0x03).
template <int S>
static inline __m512i q3_values(__m512i v, __m512i hmask) {
    const __m512i rot = _mm512_inserti64x4(_mm512_set1_epi32((2 - S) & 31), _mm256_set1_epi32(30 - S), 1);
    const __m512i high = _mm512_and_si512(_mm512_rolv_epi32(hmask, rot), _mm512_set1_epi8(4));
    const __m512i low = S == 0 ? v : _mm512_srli_epi16(v, 2 * S);
    return _mm512_ternarylogic_epi32(low, high, _mm512_set1_epi8(3), 0xE4);
}

float row_dot(int64_t k, const char* w, const block_q8_K* xb, const prepared_planes* xp) {
    const int64_t nsb = k / QK_K;
    const block_q3_K* wb = reinterpret_cast<const block_q3_K*>(w);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t s = 0; s < nsb; ++s) {
        const block_q3_K& b = wb[s];
        for (int i = 0; i < (int)(sizeof(block_q3_K) + 63) / 64; ++i)
            _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes + 64 * i, _MM_HINT_T0);
        const __m256i scales16 = _mm256_sub_epi16(_mm256_cvtepu8_epi16(q3_K_scale_bytes(b.scales)), _mm256_set1_epi16(32));
        const __m512i scales = _mm512_zextsi256_si512(scales16);
        const __m512i v = _mm512_loadu_si512(b.qs);
        const __m512i hmask = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.hmask)));
        __m512i sum = scaled_dot<0>(_mm512_setzero_si512(), q3_values<0>(v, hmask), xp[s], scales);
        sum = scaled_dot<1>(sum, q3_values<1>(v, hmask), xp[s], scales);
        sum = scaled_dot<2>(sum, q3_values<2>(v, hmask), xp[s], scales);
        sum = scaled_dot<3>(sum, q3_values<3>(v, hmask), xp[s], scales);
        // lanes 0-7: the first half's groups, 8-15: the second's; both fold into lane l = elements 4l..4l+3
        __m256i total = _mm256_add_epi32(_mm512_castsi512_si256(sum), _mm512_extracti64x4_epi64(sum, 1));
        const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb[s].bsums));
        total = _mm256_sub_epi32(total, _mm256_slli_epi32(_mm256_madd_epi16(bsums, scales16), 2));  // the values' + 4
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(_cvtsh_ss(b.d) * xb[s].d), acc);
    }
    // + 0.0f: the shared kernel adds its (zero) min accumulator; kept so a −0 result rounds the same.
    return hsum_256(acc) + 0.0f;
}

void gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const char* wr = static_cast<const char*>(w);
    const block_q8_K* xb = static_cast<const block_q8_K*>(xq);
    const prepared_planes* xp = planes_of(xq, k);
    for (int64_t r = 0; r < nrows; ++r) y[r] = row_dot(k, wr + r * w_stride, xb, xp);
}

}  // namespace

// The shared GEMM reads the Q8_K blocks at the start of the prepared row and ignores the tail.
void register_avx512_vnni_q3_K(kernel_table& t) {
    type_kernels& k = t.types[NI_TYPE_Q3_K];
    k.act_bytes = act_bytes;
    k.prepare_act = prepare_act;
    k.gemv = gemv;
}

}  // namespace ni
