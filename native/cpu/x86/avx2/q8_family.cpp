// AVX2 kernels for Q4_0 and Q8_0 weights against prepared Q8 activations (x86/common/prepared_q8.h).
//
// GEMV (decode) streams one row at a time (row_dot); the GEMM tile computes RM weight rows × RN
// tokens over the whole of K, so each unpacked weight block is reused by RN tokens and each
// activation block by RM rows. Per 32-value block and (row, token):
//   Q4_0: maddubs(q, x) pairs → madd → int32 lanes of 4 products; + the prepared correction
//         (−8·Σx per lane) makes them Σ(q − 8)·x exactly
//   Q8_0: sign trick: maddubs(|w|, sign(x, w)) (|w| ≤ 127, so no i16 saturation)
// then acc += float(lanes) · (d_w · d_x). Every output element follows the same sequence whatever
// the tile shape, GEMV included, so results depend neither on how rows are split across threads nor
// on how many tokens share a call (test_batch_invariance).
#include <stdlib.h>
#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "simd.h"
#include "activations.h"
#include "x86/common/prepared_q8.h"

namespace ni {
namespace {

struct q4_0_weights {
    // Unsigned 0..15 values of one block and its scale.
    static inline __m256i values(const block_q4_0& b) { return expand_nibbles(b.qs); }
    static inline float scale(const block_q4_0& b) { return half_to_float(b.d); }
    static inline __m256i dot(__m256i w, __m256i x, const int32_t* corr) {
        const __m256i lanes = _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1));
        return _mm256_add_epi32(lanes, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(corr)));
    }
    using block = block_q4_0;
};

struct q8_0_weights {
    static inline __m256i values(const block_q8_0& b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)); }
    static inline float scale(const block_q8_0& b) { return half_to_float(b.d); }
    static inline __m256i dot(__m256i w, __m256i x, const int32_t*) {
        const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
        return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
    }
    using block = block_q8_0;
};

// GEMV software prefetch distance along the row stream (PF_DIST overrides while tuning).
static const int kPrefetchBytes = getenv("PF_DIST") ? atoi(getenv("PF_DIST")) : 1024;

template <typename W, int RM, int RN>
void tile(int64_t k, const char* w, size_t w_stride, const char* x, size_t x_stride, float* y, size_t y_stride) {
    using block = typename W::block;
    const int64_t nb = k / 32;
    const prepared_q8_pair* xp[RN];
    const float* xd[RN];
    for (int c = 0; c < RN; ++c) {
        xp[c] = prepared_q8_pairs_of(x + c * x_stride);
        xd[c] = prepared_q8_scales(x + c * x_stride, k);
    }
    __m256 acc[RM][RN];
    for (int r = 0; r < RM; ++r)
        for (int c = 0; c < RN; ++c) acc[r][c] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
        const int64_t p = b >> 1, h = b & 1;
        __m256i xq[RN];
        for (int c = 0; c < RN; ++c) xq[c] = _mm256_load_si256(reinterpret_cast<const __m256i*>(xp[c][p].qs + 32 * h));
        for (int r = 0; r < RM; ++r) {
            const block& blk = reinterpret_cast<const block*>(w + r * w_stride)[b];
            const __m256i wq = W::values(blk);
            const __m256 dw = _mm256_set1_ps(W::scale(blk));
            for (int c = 0; c < RN; ++c) {
                const __m256i d = W::dot(wq, xq[c], xp[c][p].corr + 8 * h);
                acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), _mm256_mul_ps(dw, _mm256_set1_ps(xd[c][b])), acc[r][c]);
            }
        }
    }
    for (int r = 0; r < RM; ++r)
        for (int c = 0; c < RN; ++c) y[c * y_stride + r] = hsum_ps(acc[r][c]);
}

// One weight row · one token, for decode: tile<W, 1, 1>'s sequence exactly (one accumulator, the
// blocks in order, the same multiply for d_w·d_x), so a token's output does not depend on whether it
// was computed alone or in a tile: seeded generation then gives the same tokens whatever the batch.
// Memory-bound: the row is read as one sequential stream (interleaving several rows defeated the
// hardware prefetcher here: 4 streams ran at a third of the bandwidth), with a software prefetch
// kPrefetchBytes ahead. (Four accumulators over blocks b mod 4 summed differently from the tile.)
template <typename W>
float row_dot(int64_t k, const char* w, const char* x) {
    using block = typename W::block;
    const int64_t nb = k / 32;
    const block* blk = reinterpret_cast<const block*>(w);
    const prepared_q8_pair* xp = prepared_q8_pairs_of(x);
    const float* xd = prepared_q8_scales(x, k);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
        if ((b & 3) == 0) {
            _mm_prefetch(reinterpret_cast<const char*>(blk + b) + kPrefetchBytes, _MM_HINT_T0);
            _mm_prefetch(reinterpret_cast<const char*>(blk + b) + kPrefetchBytes + 64, _MM_HINT_T0);
        }
        const int64_t p = b >> 1, h = b & 1;
        const __m256i xq = _mm256_load_si256(reinterpret_cast<const __m256i*>(xp[p].qs + 32 * h));
        const __m256i d = W::dot(W::values(blk[b]), xq, xp[p].corr + 8 * h);
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), _mm256_set1_ps(W::scale(blk[b]) * xd[b]), acc);  // d_w·d_x: the tile's product
    }
    return hsum_ps(acc);
}

template <typename W>
void gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const char* wr = static_cast<const char*>(w);
    const char* x = static_cast<const char*>(xq);
    for (int64_t r = 0; r < nrows; ++r) y[r] = row_dot<W>(k, wr + r * w_stride, x);
}

// Rows in steps of 2, tokens in steps of 4 (the register budget of 16 ymm), edges narrower.
template <typename W>
void gemm(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, size_t xq_stride, int64_t ncols,
          float* y, size_t y_stride) {
    const char* wr = static_cast<const char*>(w);
    const char* x = static_cast<const char*>(xq);
    int64_t c = 0;
    for (; c + 4 <= ncols; c += 4) {
        int64_t r = 0;
        for (; r + 2 <= nrows; r += 2) tile<W, 2, 4>(k, wr + r * w_stride, w_stride, x + c * xq_stride, xq_stride, y + c * y_stride + r, y_stride);
        for (; r < nrows; ++r) tile<W, 1, 4>(k, wr + r * w_stride, w_stride, x + c * xq_stride, xq_stride, y + c * y_stride + r, y_stride);
    }
    for (; c < ncols; ++c) {  // leftover tokens: the same tiles, one token wide
        int64_t r = 0;
        for (; r + 2 <= nrows; r += 2) tile<W, 2, 1>(k, wr + r * w_stride, w_stride, x + c * xq_stride, xq_stride, y + c * y_stride + r, y_stride);
        for (; r < nrows; ++r) tile<W, 1, 1>(k, wr + r * w_stride, w_stride, x + c * xq_stride, xq_stride, y + c * y_stride + r, y_stride);
    }
}

size_t prepared_bytes(int64_t k) { return prepared_q8_bytes(k); }
void prepare_for_q4_0(const float* x, void* out, int64_t k) { avx2_prepare_q8(x, out, k, 8); }
void prepare_for_q8_0(const float* x, void* out, int64_t k) { avx2_prepare_q8(x, out, k, 0); }

}  // namespace

void register_avx2_q8_family(kernel_table& t) {
    type_kernels& q4 = t.types[NI_TYPE_Q4_0];
    q4.act_bytes = prepared_bytes;
    q4.prepare_act = prepare_for_q4_0;
    q4.gemv = gemv<q4_0_weights>;
    q4.gemm = gemm<q4_0_weights>;
    type_kernels& q8 = t.types[NI_TYPE_Q8_0];
    q8.quantize_row = avx2_quantize_row_q8_0;
    q8.act_bytes = prepared_bytes;
    q8.prepare_act = prepare_for_q8_0;
    q8.gemv = gemv<q8_0_weights>;
    q8.gemm = gemm<q8_0_weights>;
}

}  // namespace ni
