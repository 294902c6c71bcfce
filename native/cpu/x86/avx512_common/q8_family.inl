// AVX-512 kernels for Q8_0 weights against prepared Q8 activations (x86/common/prepared_q8.h),
// included by avx512/ (NI_VNNI 0: maddubs + madd) and avx512_vnni/ (NI_VNNI 1: vpdpbusd). One
// 512-bit vector holds a pair of 32-value blocks. row_dot is the decode GEMV (one sequential row
// stream), tile<4, 4> the GEMM, and each output element follows the same sequence of roundings in
// both and in every tile shape, so a (row, token) does not depend on the batch it came in.
// (Q4_0 has its own layout and kernels: q4_0.inl.)
//
// Per pair and (row, token), int32 lanes of 4 products:
//   VNNI: w ^ 0x80 = w + 128 read unsigned; the prepared correction is −128·Σx.
//   no VNNI: the sign trick, maddubs(|w|, ±x); no correction.
#include <utility>

#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "x86/avx512_common/simd512.h"
#include "x86/avx2/activations.h"
#include "x86/common/prepared_q8.h"

#ifndef NI_VNNI
#error "define NI_VNNI (0 or 1) before including q8_family.inl"
#endif

namespace ni {
namespace {

constexpr int kPrefetchBytes = 1024;
// GEMM tile: 4 rows × 4 tokens (16 accumulators). Every shape from 2×6 to 4×5 measured the same in
// the pipe model; 4×4 reads each weight pair for 4 tokens and each activation pair for 4 rows.
constexpr int kTileRows = 4, kTileTokens = 4;

// Unsigned × signed bytes, summed in groups of 4 into the int32 lanes of `acc`.
static inline __m512i dot_u8s8(__m512i acc, __m512i u, __m512i s) {
#if NI_VNNI
    return _mm512_dpbusd_epi32(acc, u, s);
#else
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1)));
#endif
}

struct q8_0_weights {
    using block = block_q8_0;
#if NI_VNNI
    static inline __m512i values(const block* b) {
        return _mm512_xor_si512(load_pair_256(b[0].qs, b[1].qs), _mm512_set1_epi8((char)0x80));
    }
    static inline __m512i dot(__m512i w, __m512i x, __m512i corr) { return dot_u8s8(corr, w, x); }
    static constexpr int kCorrection = 128;
#else
    static inline __m512i values(const block* b) { return load_pair_256(b[0].qs, b[1].qs); }
    static inline __m512i dot(__m512i w, __m512i x, __m512i) {
        // sign trick: |w| unsigned, x with w's sign; |w| ≤ 127 keeps maddubs from saturating
        const __mmask64 neg = _mm512_movepi8_mask(w);
        const __m512i sx = _mm512_mask_sub_epi8(x, neg, _mm512_setzero_si512(), x);
        return dot_u8s8(_mm512_setzero_si512(), _mm512_abs_epi8(w), sx);
    }
    static constexpr int kCorrection = 0;
#endif
};

// Scales are handled 16 blocks (8 pairs) at a time: one gather brings the 16 fp16 weight scales of
// a row into a vector, a multiply with the 16 activation scales gives every block's d_w·d_x, and each
// pair's scale vector (lanes 0-7 block 2p, lanes 8-15 block 2p+1) is then one permute of that.
constexpr int kChunkBlocks = 16;

// d_w of blocks [b0, b0 + count) of a row as f32 lanes (missing lanes 0).
template <typename B>
static inline __m512 chunk_weight_scales(const B* row, int64_t b0, int count) {
    const __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32((int)sizeof(B)));
    const __mmask16 live = (__mmask16)((1u << count) - 1);
    // Each gathered dword starts at a block's fp16 scale (the first 2 bytes of the block).
    const __m512i raw = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), live, offsets, row + b0, 1);
    return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(raw));
}

// The permute index of pair p within a chunk: lanes 0-7 → block 2p, lanes 8-15 → block 2p+1.
static inline __m512i pair_index(int p) {
    return _mm512_add_epi32(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1), _mm512_set1_epi32(2 * p));
}

// A pair whose second block is missing (odd block count): the prepared activations hold zeros
// there, so a zero second block is enough; the weight row must not be read past its end.
template <typename W>
static inline __m512i last_values(const typename W::block* b) {
    typename W::block pair[2];
    std::memcpy(&pair[0], b, sizeof pair[0]);
    std::memset(&pair[1], 0, sizeof pair[1]);
    return W::values(pair);
}

template <typename W>
static inline __m512i pair_values(const typename W::block* b, bool whole) {
    return whole ? W::values(b) : last_values<W>(b);
}

// Pair P of a full 16-block chunk (P a constant, so the permute index is a constant vector).
template <typename W, int P>
static inline void chunk_pair(const typename W::block* b, const prepared_q8_pair* xp, __m512 scale, __m512& acc) {
    const __m512i idx = _mm512_setr_epi32(2 * P, 2 * P, 2 * P, 2 * P, 2 * P, 2 * P, 2 * P, 2 * P,
                                          2 * P + 1, 2 * P + 1, 2 * P + 1, 2 * P + 1, 2 * P + 1, 2 * P + 1, 2 * P + 1, 2 * P + 1);
    const __m512i d = W::dot(W::values(b + 2 * P), _mm512_load_si512(xp[P].qs), _mm512_load_si512(xp[P].corr));
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_permutexvar_ps(idx, scale), acc);
}

template <typename W, int... P>
static inline void chunk_pairs(const typename W::block* b, const prepared_q8_pair* xp, __m512 scale, __m512& acc,
                               std::integer_sequence<int, P...>) {
    (chunk_pair<W, P>(b, xp, scale, acc), ...);
}

// One weight row · one token (decode): the tile's sequence exactly (one accumulator, pairs in
// order, the same scale products), so a token's output is the same alone or in any tile position.
// One sequential row stream (interleaving rows defeated the hardware prefetcher on this machine) and
// a software prefetch ahead of it. Full 16-block chunks run straight-line code; a short last chunk
// goes pair by pair. (Four accumulators over pairs P mod 4 rounded differently from the tile.)
template <typename W>
float row_dot(int64_t k, const char* w, const char* x) {
    using block = typename W::block;
    const int64_t nb = k / 32;
    const block* row = reinterpret_cast<const block*>(w);
    const prepared_q8_pair* xp = prepared_q8_pairs_of(x);
    const float* xd = prepared_q8_scales(x, k);
    __m512 acc = _mm512_setzero_ps();
    int64_t b0 = 0;
    for (; b0 + kChunkBlocks <= nb; b0 += kChunkBlocks) {
        const char* ahead = reinterpret_cast<const char*>(row + b0) + kPrefetchBytes;
        for (int i = 0; i < (int)(kChunkBlocks * sizeof(block) / 64); ++i) _mm_prefetch(ahead + 64 * i, _MM_HINT_T0);
        const __m512 scale = _mm512_mul_ps(chunk_weight_scales(row, b0, kChunkBlocks), _mm512_loadu_ps(xd + b0));
        chunk_pairs<W>(row + b0, xp + b0 / 2, scale, acc, std::make_integer_sequence<int, kChunkBlocks / 2>());
    }
    if (b0 < nb) {
        const int count = (int)(nb - b0);
        const __m512 scale = _mm512_mul_ps(chunk_weight_scales(row, b0, count),
                                           _mm512_maskz_loadu_ps((__mmask16)((1u << count) - 1), xd + b0));
        for (int p = 0; p < (count + 1) / 2; ++p) {
            const int64_t gp = b0 / 2 + p;
            const __m512i d = W::dot(pair_values<W>(row + b0 + 2 * p, 2 * p + 1 < count), _mm512_load_si512(xp[gp].qs),
                                     _mm512_load_si512(xp[gp].corr));
            acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_permutexvar_ps(pair_index(p), scale), acc);
        }
    }
    return hsum512_ps(acc);
}

// ---------------------------------------------------------------------------------- GEMM tile
// RM weight rows × RN tokens over all of K, one block pair per step. Per chunk of 16 blocks the
// products d_w·d_x of every (row, token) go to a small table; per pair and (row, token): one dot,
// one permute of the table row (placing the two blocks' scales in lanes 0-7 / 8-15), one convert
// and one FMA. On Zen 4 this is bound by the FP0-FP2 pipes at about 3 cycles per pair-product
// (llvm-mca znver4, clang 14). A 256-bit per-block variant with broadcast scales avoided the
// permute but issued twice the operations per multiply-accumulate.
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
    const block* rows[RM];
    for (int r = 0; r < RM; ++r) rows[r] = reinterpret_cast<const block*>(w + r * w_stride);
    __m512 acc[RM][RN];
    for (int r = 0; r < RM; ++r)
        for (int c = 0; c < RN; ++c) acc[r][c] = _mm512_setzero_ps();
    alignas(64) float scale[RM][RN][kChunkBlocks];
    for (int64_t b0 = 0; b0 < nb; b0 += kChunkBlocks) {
        const int count = nb - b0 < kChunkBlocks ? (int)(nb - b0) : kChunkBlocks;
        const __mmask16 live = (__mmask16)((1u << count) - 1);
        for (int r = 0; r < RM; ++r) {
            const __m512 dw = chunk_weight_scales(rows[r], b0, count);
            for (int c = 0; c < RN; ++c)
                _mm512_store_ps(scale[r][c], _mm512_mul_ps(dw, _mm512_maskz_loadu_ps(live, xd[c] + b0)));
        }
        const int pairs = (count + 1) / 2;
        for (int p = 0; p < pairs; ++p) {
            const int64_t gp = b0 / 2 + p;  // pair index in the row
            const bool whole = 2 * p + 1 < count;
            __m512i wq[RM];
            for (int r = 0; r < RM; ++r) wq[r] = pair_values<W>(rows[r] + b0 + 2 * p, whole);
            const __m512i idx = pair_index(p);
            for (int c = 0; c < RN; ++c) {
                const __m512i xq = _mm512_load_si512(xp[c][gp].qs);
                const __m512i corr = _mm512_load_si512(xp[c][gp].corr);
                for (int r = 0; r < RM; ++r) {
                    const __m512i d = W::dot(wq[r], xq, corr);
                    const __m512 s = _mm512_permutexvar_ps(idx, _mm512_load_ps(scale[r][c]));
                    acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), s, acc[r][c]);
                }
            }
        }
    }
    for (int r = 0; r < RM; ++r)
        for (int c = 0; c < RN; ++c) y[c * y_stride + r] = hsum512_ps(acc[r][c]);
}

template <typename W>
void gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const char* wr = static_cast<const char*>(w);
    const char* x = static_cast<const char*>(xq);
    for (int64_t r = 0; r < nrows; ++r) y[r] = row_dot<W>(k, wr + r * w_stride, x);
}

// kTileRows × kTileTokens per tile; edges narrower.
template <typename W>
void gemm(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, size_t xq_stride, int64_t ncols,
          float* y, size_t y_stride) {
    const char* wr = static_cast<const char*>(w);
    const char* x = static_cast<const char*>(xq);
    auto rows = [&](auto tile_rm4, auto tile_rm1, const char* xc, float* yc) {
        int64_t r = 0;
        for (; r + kTileRows <= nrows; r += kTileRows) tile_rm4(k, wr + r * w_stride, w_stride, xc, xq_stride, yc + r, y_stride);
        for (; r < nrows; ++r) tile_rm1(k, wr + r * w_stride, w_stride, xc, xq_stride, yc + r, y_stride);
    };
    int64_t c = 0;
    for (; c + kTileTokens <= ncols; c += kTileTokens) rows(tile<W, kTileRows, kTileTokens>, tile<W, 1, kTileTokens>, x + c * xq_stride, y + c * y_stride);
    for (; c < ncols; ++c) rows(tile<W, kTileRows, 1>, tile<W, 1, 1>, x + c * xq_stride, y + c * y_stride);
}

size_t prepared_bytes(int64_t k) { return prepared_q8_bytes(k); }
void prepare_for_q8_0(const float* x, void* out, int64_t k) { avx2_prepare_q8(x, out, k, q8_0_weights::kCorrection); }

}  // namespace

void NI_REGISTER_Q8_FAMILY(kernel_table& t) {
    type_kernels& q8 = t.types[NI_TYPE_Q8_0];
    q8.act_bytes = prepared_bytes;
    q8.prepare_act = prepare_for_q8_0;
    q8.gemv = gemv<q8_0_weights>;
    q8.gemm = gemm<q8_0_weights>;
}

}  // namespace ni
