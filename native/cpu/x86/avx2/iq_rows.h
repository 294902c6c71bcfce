// The AVX2 row kernel shared by the i-quants (IQ2_*, IQ3_*, IQ1_*) against Q8_K activations
// (plain ggml blocks from the AVX2 quantizer, bit-identical to the reference).
//
// Every format is  W·x = Σ_blocks scale(b)·d_x·( Σ_i sc_i·mag_i·sign_i·x_i + Σ_j shift_j·bsum_j ):
//   mag    grid magnitudes as unsigned bytes (IQ1: |grid| in {0, 1}),
//   sign   the values' signs,
//   sc     the sub-block scales 2l + 1, one per 16 values (IQ1: 8·(2l + 1)),
//   shift  IQ1 only: ±(2l + 1) per 16 values, times the activations' 16-value sums (bsums), which
//          is the ±1/8 shift of IQ1's grid without touching the values,
//   scale  d times the format's constant (1/8, 1/4 or 1).
// A format's decoder D prepares per super-block (begin) what it computes in vectors for the whole
// block — the 256 sign bits, the 16 scales — and gives per 32-value chunk (chunk) the magnitudes
// and a byte vector whose signs are the values' signs (zero allowed where the magnitude is zero).
// Per token and chunk: sign_epi8 moves the signs onto the activations (maddubs needs its first
// operand unsigned), maddubs + madd multiply and scale, add. Magnitudes are at most 62 and |x| at
// most 127, so maddubs cannot saturate and each super-block's int32 sum is exact.
//
// One call computes one weight row against RN tokens, decoding each chunk once for all of them; the
// per-token arithmetic does not depend on RN, so a token's result is the same bits in the GEMV and
// anywhere in a GEMM tile (batch invariance). All internal linkage (../README.md).
#pragma once
#include <cstddef>
#include <cstdint>

#include "activations.h"
#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "iq_vectors.h"
#include "simd.h"
#include "x86/common/k_quant_rows.h"

namespace ni {
namespace {

constexpr int kIqPrefetchBytes = 1024;

struct iq_state256 {
    __m256i signs;   // 256 sign bits in value order (for decoders that keep them here)
    __m256i scales;  // 16 int16 sub-block scales, values 16i .. 16i + 15
    __m256i shift;   // 16 int16 multipliers of the bsums (decoders with kShifted)
};

// Chunk j's madd scales from the block's 16: lanes 0-7 get scale 2j, lanes 8-15 scale 2j + 1.
static inline __m256i chunk_scales(__m256i scales, int j) {
    const __m256i pair = _mm256_permutevar8x32_epi32(scales, _mm256_set1_epi32(j));
    return _mm256_shuffle_epi8(pair, _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
                                                      2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3));
}

// ±1 bytes for chunk j from the block's 256 sign bits (bit i set: value 32j + i negative).
static inline __m256i chunk_signs(__m256i signs, int j) {
    const __m256i spread = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(signs, _mm256_set1_epi32(j)),
                                               _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                                                2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    return _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(1));
}

template <class D, int RN>
void iq_row(int64_t k, const char* w, const char* const* x, float* const* y) {
    const int64_t nsb = k / QK_K;
    const typename D::block* wb = reinterpret_cast<const typename D::block*>(w);
    __m256 acc[RN];
    for (int c = 0; c < RN; ++c) acc[c] = _mm256_setzero_ps();
    for (int64_t s = 0; s < nsb; ++s) {
        const typename D::block& b = wb[s];
        const char* ahead = reinterpret_cast<const char*>(&b) + kIqPrefetchBytes;
        _mm_prefetch(ahead, _MM_HINT_T0);
        _mm_prefetch(ahead + 64, _MM_HINT_T0);
        iq_state256 st;
        D::begin(b, st);
        __m256i sumi[RN];
        for (int c = 0; c < RN; ++c) sumi[c] = _mm256_setzero_si256();
        for (int j = 0; j < QK_K / 32; ++j) {
            __m256i mag, sgn;
            D::chunk(b, st, j, mag, sgn);
            const __m256i sc = chunk_scales(st.scales, j);
            for (int c = 0; c < RN; ++c) {
                const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const block_q8_K*>(x[c])[s].qs + 32 * j));
                sumi[c] = _mm256_add_epi32(sumi[c], _mm256_madd_epi16(_mm256_maddubs_epi16(mag, _mm256_sign_epi8(xv, sgn)), sc));
            }
        }
        const float d = D::scale(b);
        for (int c = 0; c < RN; ++c) {
            const block_q8_K& xb = reinterpret_cast<const block_q8_K*>(x[c])[s];
            if (D::kShifted)
                sumi[c] = _mm256_add_epi32(sumi[c], _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums)), st.shift));
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi[c]), _mm256_set1_ps(d * xb.d), acc[c]);
        }
    }
    for (int c = 0; c < RN; ++c) *y[c] = hsum_ps(acc[c]);
}

inline size_t iq_q8_K_bytes(int64_t k) { return (size_t)(k / QK_K) * sizeof(block_q8_K); }

// A type's table entry: plain Q8_K activations, the decoder's row kernels.
template <class D>
void set_iq_kernels(kernel_table& t, int type) {
    t.types[type].act_bytes = iq_q8_K_bytes;
    t.types[type].prepare_act = avx2_quantize_row_q8_K;
    t.types[type].gemv = row_driver<iq_row<D, 1>, iq_row<D, 4>>::gemv;
    t.types[type].gemm = row_driver<iq_row<D, 1>, iq_row<D, 4>>::gemm;
}

}  // namespace
}  // namespace ni
