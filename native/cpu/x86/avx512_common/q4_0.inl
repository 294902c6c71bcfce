// AVX-512 kernels for Q4_0 weights against activations prepared in quads of nibble planes
// (x86/common/prepared_q4_0.h), included by avx512/ (NI_VNNI 0: maddubs + madd) and avx512_vnni/
// (NI_VNNI 1: vpdpbusd). One 512-bit vector holds the nibbles of four 32-value blocks (a quad).
//
// Per quad and (row, token):
//   v = the four blocks' 16-byte qs side by side (a 64- and a 16-byte load, one word permute)
//   lanes = corr + dot(v & 0x0F, lo) + dot((v >> 4) & 0x0F, hi)   int32: exact Σ(q − 8)·x per lane
//   acc += float(lanes) · (d_w · d_x of the lane's block)          one permute of a chunk's scales
// 9 vector operations per 128 weights on VNNI, where the pair layout (prepared_q8.h) took 11 per
// 64 plus a 16-lane gather of the weight scales per 16 blocks (about 16 cycles on Zen 4); here the
// scales come out of the quads' bytes by two word permutes. row_dot is the GEMV (one sequential row
// stream), tile<2, 6> the GEMM; each output element follows one fixed sequence whatever the split
// and whichever of the two computes it, so results do not depend on the batch (test_batch_invariance).
//
// Measured on the 2-core Zen 4 VM (alternating runs against the previous kernels, medians):
//   GEMV in cache, 1 thread, 2048×2048: 151.6 → 83.0 µs (VNNI), 154.8 → 86.2 µs (no VNNI)
//     PROBE_TYPES=q4_0 PROBE_NO_GEMM=1 PROBE_ROTATION_MB=2 build/native/bin/kernel_probe avx512_vnni 1
//   GEMV from DRAM, 2 threads, 2048×2048: 74–80 % → 84–88 % of the read bandwidth
//     PROBE_TYPES=q4_0 PROBE_NO_GEMM=1 build/native/bin/kernel_probe avx512_vnni 2
//   GEMM, 2 threads, N = 64: 2679 → 1631 µs (PROBE_M=2048 PROBE_N=64); N = 128: 6084 → 3461 µs
// docs/native.md has the whole table.
#include <utility>

#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "x86/avx512/prepare_q4_0.h"
#include "x86/avx512_common/simd512.h"
#include "x86/common/prepared_q4_0.h"

#ifndef NI_VNNI
#error "define NI_VNNI (0 or 1) before including q4_0.inl"
#endif

namespace ni {
namespace {

constexpr int kPrefetchBytes = 1024;
// GEMM tile: 2 rows × 6 tokens. The two vpdpbusd and the FMA of every (row, token) share the FP
// pipes that multiply (one 512-bit operation per cycle between them on Zen 4), so every shape is
// bound there; 2 × 6 (12 accumulators, no spills) measured 4.5 cycles per quad and (row, token)
// in L2, 2 × 8 and 1 × 8 4.8, 4 × 4 5.0 (spilled).
constexpr int kTileRows = 2, kTileTokens = 6;
constexpr int kQuadsPerChunk = kQ4ChunkBlocks / kQ4QuadBlocks;

// ------------------------------------------------------------------------ reading weight quads
// A quad (4 blocks, 72 bytes) is read as a = bytes 0..63 and b = bytes 56..71. a holds the four
// fp16 scales (words 0, 9, 18, 27), the qs of blocks 0-2 and half of block 3's; b the rest of
// block 3's. One two-source word permute gathers the qs side by side, and the scales of a chunk
// come from its quads' a registers by two more permutes. A 16-lane vpgatherdd of them took about
// 16 cycles per chunk on Zen 4: the GEMV ran at 10.6 cycles per quad with it, 7.4 without.
struct quad_bytes {
    __m512i a;
    __m128i b;
};

static inline quad_bytes load_quad(const block_q4_0* q) {
    const char* p = reinterpret_cast<const char*>(q);
    return {_mm512_loadu_si512(p), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 56))};
}

// The first `bytes` (0..72) of a quad; masked loads read nothing past them, the rest is zero.
static inline quad_bytes load_quad_part(const block_q4_0* q, int bytes) {
    const char* p = reinterpret_cast<const char*>(q);
    const __mmask64 ma = bytes >= 64 ? ~0ull : (1ull << bytes) - 1;
    const __mmask16 mb = (__mmask16)(bytes > 56 ? (1u << (bytes - 56)) - 1 : 0);
    return {_mm512_maskz_loadu_epi8(ma, p), _mm_maskz_loadu_epi8(mb, p + 56)};
}

// The four blocks' 16-byte qs side by side: words 1-8, 10-17, 19-26 of a and 0-7 of b (index 32+).
static inline __m512i quad_nibbles(const quad_bytes& q) {
    const __m512i idx = _mm512_set_epi16(39, 38, 37, 36, 35, 34, 33, 32, 26, 25, 24, 23, 22, 21, 20, 19,
                                         17, 16, 15, 14, 13, 12, 11, 10, 8, 7, 6, 5, 4, 3, 2, 1);  // highest word first
    return _mm512_permutex2var_epi16(q.a, idx, _mm512_castsi128_si512(q.b));
}

// d_w of a chunk's 16 blocks as f32 lanes, from its quads' a registers.
static inline __m512 chunk_weight_scales(const quad_bytes* q) {
    const __m512i i01 = _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                         0, 0, 0, 0, 0, 0, 0, 0, 59, 50, 41, 32, 27, 18, 9, 0);
    const __m512i i23 = _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                         59, 50, 41, 32, 27, 18, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i d01 = _mm512_permutex2var_epi16(q[0].a, i01, q[1].a);  // words 0-7
    const __m512i d23 = _mm512_permutex2var_epi16(q[2].a, i23, q[3].a);  // words 8-15
    return _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_mask_blend_epi16(0xFF00, d01, d23)));
}

// The quads of the chunk starting at block b0 of a row with nb blocks. A short last chunk reads
// only its blocks: a partial quad through masked loads, missing quads are zero (as are their
// activations), so the chunk's scale vector has zeros there.
static inline void load_chunk(const block_q4_0* row, int64_t b0, int64_t nb, quad_bytes* q) {
    if (b0 + kQ4ChunkBlocks <= nb) {
        for (int i = 0; i < kQuadsPerChunk; ++i) q[i] = load_quad(row + b0 + 4 * i);
        return;
    }
    const int count = (int)(nb - b0);
    for (int i = 0; i < kQuadsPerChunk; ++i) {
        const int left = (count - 4 * i) * (int)sizeof(block_q4_0);
        q[i] = left >= 72 ? load_quad(row + b0 + 4 * i) : left > 0 ? load_quad_part(row + b0 + 4 * i, left)
                                                                   : quad_bytes{_mm512_setzero_si512(), _mm_setzero_si128()};
    }
}

// Σ(q − 8)·x per int32 lane from the split nibbles: lanes 4j..4j+3 belong to block j of the quad.
static inline __m512i quad_dot(__m512i lo, __m512i hi, const prepared_q4_0_quad& x) {
    const __m512i corr = _mm512_load_si512(x.corr);
#if NI_VNNI
    return _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(corr, lo, _mm512_load_si512(x.lo)), hi, _mm512_load_si512(x.hi));
#else
    // u8 ≤ 15 times s8: each i16 pair sum is at most 2·15·127, so lo + hi cannot saturate.
    const __m512i p = _mm512_add_epi16(_mm512_maddubs_epi16(lo, _mm512_load_si512(x.lo)),
                                       _mm512_maddubs_epi16(hi, _mm512_load_si512(x.hi)));
    return _mm512_add_epi32(corr, _mm512_madd_epi16(p, _mm512_set1_epi16(1)));
#endif
}

static inline __m512i low_nibbles(__m512i v) { return _mm512_and_si512(v, _mm512_set1_epi8(0x0F)); }
static inline __m512i high_nibbles(__m512i v) { return _mm512_and_si512(_mm512_srli_epi16(v, 4), _mm512_set1_epi8(0x0F)); }

// The permute index of quad q within a chunk: lane l takes the scale of block 4q + l/4.
static inline __m512i quad_index(int q) {
    return _mm512_add_epi32(_mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), _mm512_set1_epi32(4 * q));
}

// Quad Q of a chunk (Q a constant: the permute index is a constant vector).
template <int Q>
static inline void chunk_quad(const quad_bytes& w, const prepared_q4_0_chunk& x, __m512 scale, __m512& acc) {
    const __m512i idx = _mm512_setr_epi32(4 * Q, 4 * Q, 4 * Q, 4 * Q, 4 * Q + 1, 4 * Q + 1, 4 * Q + 1, 4 * Q + 1,
                                          4 * Q + 2, 4 * Q + 2, 4 * Q + 2, 4 * Q + 2, 4 * Q + 3, 4 * Q + 3, 4 * Q + 3, 4 * Q + 3);
    const __m512i v = quad_nibbles(w);
    const __m512i d = quad_dot(low_nibbles(v), high_nibbles(v), x.quad[Q]);
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_permutexvar_ps(idx, scale), acc);
}

template <int... Q>
static inline void chunk_quads(const quad_bytes* w, const prepared_q4_0_chunk& x, __m512 scale, __m512& acc,
                               std::integer_sequence<int, Q...>) {
    (chunk_quad<Q>(w[Q], x, scale, acc), ...);
}

// One weight row · one token (decode): the tile's sequence exactly (one accumulator, quads in
// order, the same scale products), so a token's output is the same alone or in any tile position.
// One sequential row stream (interleaving rows defeated the hardware prefetcher on this machine)
// and a software prefetch ahead of it. A short last chunk runs only its quads, the last one maybe
// partial. (An accumulator per quad of a chunk rounded differently from the tile; the quad's ~7
// cycles of work already cover the FMA's latency, so one chain costs nothing here.)
float row_dot(int64_t k, const char* w, const char* x) {
    const int64_t nb = k / 32;
    const block_q4_0* row = reinterpret_cast<const block_q4_0*>(w);
    const prepared_q4_0_chunk* xc = prepared_q4_0_chunks_of(x);
    __m512 acc = _mm512_setzero_ps();
    int64_t b0 = 0;
    for (; b0 + kQ4ChunkBlocks <= nb; b0 += kQ4ChunkBlocks, ++xc) {
        // a chunk is 288 bytes: 5 lines keep the prefetch from falling behind the stream
        const char* ahead = reinterpret_cast<const char*>(row + b0) + kPrefetchBytes;
        for (int i = 0; i < 5; ++i) _mm_prefetch(ahead + 64 * i, _MM_HINT_T0);
        quad_bytes q[kQuadsPerChunk];
        load_chunk(row, b0, nb, q);
        const __m512 scale = _mm512_mul_ps(chunk_weight_scales(q), _mm512_load_ps(xc->d));
        chunk_quads(q, *xc, scale, acc, std::make_integer_sequence<int, kQuadsPerChunk>());
    }
    if (b0 < nb) {  // K = 1408 (DeepSeek-V2-Lite's expert FFN): 44 blocks, 2 chunks and 3 quads
        quad_bytes q[kQuadsPerChunk];
        load_chunk(row, b0, nb, q);
        const __m512 scale = _mm512_mul_ps(chunk_weight_scales(q), _mm512_load_ps(xc->d));
        switch ((nb - b0 + 3) / 4) {
            case 1: chunk_quads(q, *xc, scale, acc, std::make_integer_sequence<int, 1>()); break;
            case 2: chunk_quads(q, *xc, scale, acc, std::make_integer_sequence<int, 2>()); break;
            case 3: chunk_quads(q, *xc, scale, acc, std::make_integer_sequence<int, 3>()); break;
            default: chunk_quads(q, *xc, scale, acc, std::make_integer_sequence<int, 4>()); break;
        }
    }
    return hsum512_ps(acc);
}

// ---------------------------------------------------------------------------------- GEMM tile
// RM weight rows × RN tokens over all of K, one quad per step. Per chunk of 16 blocks the products
// d_w·d_x of every (row, token) go to a small table; per quad the RM rows' nibbles are split once
// and reused by RN tokens; per quad and (row, token): the dot (2 vpdpbusd from the correction),
// one permute of the table row, one convert, one FMA.
template <int RM, int RN>
struct tile_state {
    const prepared_q4_0_chunk* xc[RN];
    const block_q4_0* rows[RM];
    __m512 acc[RM][RN];
    alignas(64) float scale[RM][RN][kQ4ChunkBlocks];
};

// Quad q of chunk ch (first block b0) for every (row, token); `bytes` < 72 only in a row's last quad.
template <int RM, int RN, bool kWhole>
static inline void tile_quad(tile_state<RM, RN>& t, int64_t b0, int64_t ch, int q, int bytes) {
    __m512i lo[RM], hi[RM];
    for (int r = 0; r < RM; ++r) {
        const block_q4_0* b = t.rows[r] + b0 + 4 * q;
        const __m512i v = quad_nibbles(kWhole ? load_quad(b) : load_quad_part(b, bytes));
        lo[r] = low_nibbles(v);
        hi[r] = high_nibbles(v);
    }
    const __m512i idx = quad_index(q);
    for (int c = 0; c < RN; ++c) {
        const prepared_q4_0_quad& xq = t.xc[c][ch].quad[q];
        for (int r = 0; r < RM; ++r) {
            const __m512i d = quad_dot(lo[r], hi[r], xq);
            const __m512 s = _mm512_permutexvar_ps(idx, _mm512_load_ps(t.scale[r][c]));
            t.acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), s, t.acc[r][c]);
        }
    }
}

template <int RM, int RN>
void tile(int64_t k, const char* w, size_t w_stride, const char* x, size_t x_stride, float* y, size_t y_stride) {
    const int64_t nb = k / 32;
    tile_state<RM, RN> t;
    for (int c = 0; c < RN; ++c) t.xc[c] = prepared_q4_0_chunks_of(x + c * x_stride);
    for (int r = 0; r < RM; ++r) t.rows[r] = reinterpret_cast<const block_q4_0*>(w + r * w_stride);
    for (int r = 0; r < RM; ++r)
        for (int c = 0; c < RN; ++c) t.acc[r][c] = _mm512_setzero_ps();
    for (int64_t b0 = 0, ch = 0; b0 < nb; b0 += kQ4ChunkBlocks, ++ch) {
        for (int r = 0; r < RM; ++r) {
            quad_bytes q[kQuadsPerChunk];
            load_chunk(t.rows[r], b0, nb, q);
            const __m512 dw = chunk_weight_scales(q);
            for (int c = 0; c < RN; ++c) _mm512_store_ps(t.scale[r][c], _mm512_mul_ps(dw, _mm512_load_ps(t.xc[c][ch].d)));
        }
        const int count = nb - b0 < kQ4ChunkBlocks ? (int)(nb - b0) : kQ4ChunkBlocks;
        for (int q = 0; 4 * q < count; ++q) {
            const int bytes = (count - 4 * q) * (int)sizeof(block_q4_0);
            if (bytes >= 72) tile_quad<RM, RN, true>(t, b0, ch, q, 72);
            else tile_quad<RM, RN, false>(t, b0, ch, q, bytes);
        }
    }
    for (int r = 0; r < RM; ++r)
        for (int c = 0; c < RN; ++c) y[c * y_stride + r] = hsum512_ps(t.acc[r][c]);
}

void gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const char* wr = static_cast<const char*>(w);
    const char* x = static_cast<const char*>(xq);
    // row_dot prefetches kPrefetchBytes ahead of itself: start the stream of this block of rows too
    for (int i = 0; i < kPrefetchBytes; i += 64) _mm_prefetch(wr + i, _MM_HINT_T0);
    for (int64_t r = 0; r < nrows; ++r) y[r] = row_dot(k, wr + r * w_stride, x);
}

// kTileRows × kTileTokens per tile; the last tokens in one narrower tile, the last row alone.
template <int RN>
void tile_column(int64_t k, const char* w, size_t w_stride, int64_t nrows, const char* x, size_t x_stride, float* y,
                 size_t y_stride) {
    int64_t r = 0;
    for (; r + kTileRows <= nrows; r += kTileRows) tile<kTileRows, RN>(k, w + r * w_stride, w_stride, x, x_stride, y + r, y_stride);
    for (; r < nrows; ++r) tile<1, RN>(k, w + r * w_stride, w_stride, x, x_stride, y + r, y_stride);
}

void gemm(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, size_t xq_stride, int64_t ncols,
          float* y, size_t y_stride) {
    static_assert(kTileTokens == 6, "the switch below lists the narrower tiles");
    const char* wr = static_cast<const char*>(w);
    const char* x = static_cast<const char*>(xq);
    int64_t c = 0;
    for (; c + kTileTokens <= ncols; c += kTileTokens)
        tile_column<kTileTokens>(k, wr, w_stride, nrows, x + c * xq_stride, xq_stride, y + c * y_stride, y_stride);
    const char* xc = x + c * xq_stride;
    float* yc = y + c * y_stride;
    switch (ncols - c) {
        case 1: tile_column<1>(k, wr, w_stride, nrows, xc, xq_stride, yc, y_stride); break;
        case 2: tile_column<2>(k, wr, w_stride, nrows, xc, xq_stride, yc, y_stride); break;
        case 3: tile_column<3>(k, wr, w_stride, nrows, xc, xq_stride, yc, y_stride); break;
        case 4: tile_column<4>(k, wr, w_stride, nrows, xc, xq_stride, yc, y_stride); break;
        case 5: tile_column<5>(k, wr, w_stride, nrows, xc, xq_stride, yc, y_stride); break;
        default: break;
    }
}

size_t prepared_bytes(int64_t k) { return prepared_q4_0_bytes(k); }

}  // namespace

void NI_REGISTER_Q4_0(kernel_table& t) {
    type_kernels& q4 = t.types[NI_TYPE_Q4_0];
    q4.act_bytes = prepared_bytes;
    q4.prepare_act = avx512_prepare_q4_0;
    q4.gemv = gemv;
    q4.gemm = gemm;
}

}  // namespace ni
