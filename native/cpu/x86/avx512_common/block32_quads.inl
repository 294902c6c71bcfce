// AVX-512 kernels for Q4_1, Q5_0, Q5_1 and IQ4_NL weights against activations prepared in quads of
// nibble planes (x86/common/prepared_b32_quads.h): the layout of the Q4_0 kernel (q4_0.inl) for the
// other 32-value block formats. Included by avx512/ (NI_VNNI 0: maddubs + madd) and avx512_vnni/
// (NI_VNNI 1: vpdpbusd); the including file defines NI_REGISTER_B32_QUADS.
//
// A quad is four consecutive blocks (4·B bytes, B = 18..24). It is read as a = bytes 0..63 and
// b = the last 32 bytes; one two-source word permute places the four 16-byte qs side by side (every
// format keeps qs at an even offset of an even-sized block), a second one gathers the four fp16
// scales, the mins (Q4_1, Q5_1) and the fifth bits (Q5_0, Q5_1) into one register. Then per quad:
//   lo = v & 0x0F, hi = (v >> 4) & 0x0F           element i and 16 + i of each block, as the activations
//   Q5_0 / Q5_1: | 0x10 where the block's qh bit is set (a byte mask made of the qh words)
//   IQ4_NL: kvalues_iq4nl[nibble] by a byte shuffle (+128 on VNNI, read unsigned; signed by the sign trick
//           without VNNI, where maddubs of values up to 241 would saturate)
// and per quad and (row, token):
//   lanes = corr + dot(lo, x_lo) + dot(hi, x_hi)   int32, exact: corr = −c·Σx turns unsigned values into
//                                                   signed ones (Q5_0: q − 16, c = 16; IQ4_NL on VNNI: c = 128)
//   acc   = fma(float(lanes), d_w·d_x of the lane's block, acc)
//   accm  = fma(m_w, d_x·Σx, accm)                 Q4_1 / Q5_1: the min term, four blocks at a time
// Every output element follows this sequence over the quads of its row, one accumulator each, whatever
// the tile: the GEMV is the 1 × 1 tile, so GEMV and GEMM results are bit-identical.
#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "x86/avx512/prepare_b32_quads.h"
#include "x86/avx512_common/simd512.h"
#include "x86/common/prepared_b32_quads.h"

#ifndef NI_VNNI
#error "define NI_VNNI (0 or 1) before including block32_quads.inl"
#endif
#ifndef NI_REGISTER_B32_QUADS
#error "define NI_REGISTER_B32_QUADS before including block32_quads.inl"
#endif

namespace ni {
namespace {

constexpr int kQuadPrefetchBytes = 1024;
// GEMM tile: 2 rows × 4 tokens (8 accumulators, 8 more for the min terms; the 2 × 6 tile of Q4_0 left
// too few registers for those).
constexpr int kQuadTileRows = 2, kQuadTileTokens = 4;

// Word indices for vpermt2w into the pair (a = quad bytes 0..63, b = quad bytes 4B − 32 .. 4B − 1).
struct word_index {
    int16_t w[32];
};

constexpr int16_t quad_word(int bytes_per_block, int offset) {
    const int b_start = 4 * bytes_per_block - 32;
    return (int16_t)(offset + 2 <= 64 ? offset / 2 : 32 + (offset - b_start) / 2);
}

// Words 8j .. 8j + 7: the 16 bytes of qs of block j.
constexpr word_index qs_words(int bytes_per_block, int qs_offset) {
    word_index r{};
    for (int w = 0; w < 32; ++w) r.w[w] = quad_word(bytes_per_block, (w / 8) * bytes_per_block + qs_offset + 2 * (w % 8));
    return r;
}

// Words 0..3: d of blocks 0..3; 4..7: m (min_offset ≥ 0); 8..11 and 12..15: the low and high halves of
// qh (qh_offset ≥ 0); the rest word 0.
constexpr word_index scale_words(int bytes_per_block, int min_offset, int qh_offset) {
    word_index r{};
    for (int j = 0; j < 4; ++j) {
        r.w[j] = quad_word(bytes_per_block, j * bytes_per_block);
        if (min_offset >= 0) r.w[4 + j] = quad_word(bytes_per_block, j * bytes_per_block + min_offset);
        if (qh_offset >= 0) {
            r.w[8 + j] = quad_word(bytes_per_block, j * bytes_per_block + qh_offset);
            r.w[12 + j] = quad_word(bytes_per_block, j * bytes_per_block + qh_offset + 2);
        }
    }
    return r;
}

struct q4_1_format {
    using block = block_q4_1;
    static constexpr int kMinOffset = 2, kQhOffset = -1, kQsOffset = 4, kCorrection = 0;
    static constexpr bool kMin = true, kLookup = false;
};
struct q5_0_format {
    using block = block_q5_0;
    static constexpr int kMinOffset = -1, kQhOffset = 2, kQsOffset = 6, kCorrection = 16;
    static constexpr bool kMin = false, kLookup = false;
};
struct q5_1_format {
    using block = block_q5_1;
    static constexpr int kMinOffset = 2, kQhOffset = 4, kQsOffset = 8, kCorrection = 0;
    static constexpr bool kMin = true, kLookup = false;
};
struct iq4_nl_format {
    using block = block_iq4_nl;
    static constexpr int kMinOffset = -1, kQhOffset = -1, kQsOffset = 2, kCorrection = NI_VNNI ? 128 : 0;
    static constexpr bool kMin = false, kLookup = true;
};

template <typename F>
struct quad_tables {
    static constexpr int kBytes = (int)sizeof(typename F::block);
    static constexpr int kQuadBytes = 4 * kBytes;
    static constexpr word_index kQs = qs_words(kBytes, F::kQsOffset);
    static constexpr word_index kScales = scale_words(kBytes, F::kMinOffset, F::kQhOffset);
};

// One quad of one weight row, unpacked: value planes, d_w and m_w of its four blocks.
struct quad_values {
    __m512i lo, hi;
    __m128 d, m;
};

// The first `bytes` bytes of a quad (all of it when bytes = 4B); nothing past them is read.
template <typename F>
static inline quad_values unpack_quad(const char* p, int bytes) {
    using T = quad_tables<F>;
    constexpr int b_start = T::kQuadBytes - 32;
    __m512i a;
    __m256i b;
    if (bytes == T::kQuadBytes) {
        a = _mm512_loadu_si512(p);
        b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + b_start));
    } else {
        a = _mm512_maskz_loadu_epi8(bytes >= 64 ? ~0ull : (1ull << bytes) - 1, p);
        const int tail = bytes - b_start;
        b = _mm256_maskz_loadu_epi8(tail <= 0 ? 0u : (__mmask32)((1ull << tail) - 1), p + b_start);
    }
    const __m512i bb = _mm512_zextsi256_si512(b);
    const __m512i v = _mm512_permutex2var_epi16(a, _mm512_loadu_si512(T::kQs.w), bb);
    const __m512i sc = _mm512_permutex2var_epi16(a, _mm512_loadu_si512(T::kScales.w), bb);
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    quad_values q;
    q.lo = _mm512_and_si512(v, low4);
    q.hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
    const __m128i sc128 = _mm512_castsi512_si128(sc);
    q.d = _mm_cvtph_ps(sc128);
    q.m = F::kMin ? _mm_cvtph_ps(_mm_srli_si128(sc128, 8)) : _mm_setzero_ps();
    if (F::kQhOffset >= 0) {  // fifth bits: byte 16j + i of lo ← bit i of qh_j, of hi ← bit 16 + i
        const __m128i qh = _mm512_extracti32x4_epi32(sc, 1);
        const __m512i fifth = _mm512_set1_epi8(0x10);
        q.lo = _mm512_or_si512(q.lo, _mm512_maskz_mov_epi8((__mmask64)_mm_cvtsi128_si64(qh), fifth));
        q.hi = _mm512_or_si512(q.hi, _mm512_maskz_mov_epi8((__mmask64)_mm_extract_epi64(qh, 1), fifth));
    }
    if (F::kLookup) {
        const __m512i table = _mm512_add_epi8(_mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kvalues_iq4nl))),
                                              _mm512_set1_epi8((char)(NI_VNNI ? 0x80 : 0)));
        q.lo = _mm512_shuffle_epi8(table, q.lo);
        q.hi = _mm512_shuffle_epi8(table, q.hi);
    }
    return q;
}

// Σ over the quad of value·x per int32 lane (lanes 4j..4j+3: block j), exact.
template <typename F>
static inline __m512i quad_dot(const quad_values& w, const prepared_b32_quad& x) {
    const __m512i xlo = _mm512_load_si512(x.lo), xhi = _mm512_load_si512(x.hi);
    const __m512i corr = F::kCorrection ? _mm512_load_si512(x.corr) : _mm512_setzero_si512();
#if NI_VNNI
    return _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(corr, w.lo, xlo), w.hi, xhi);
#else
    const __m512i ones = _mm512_set1_epi16(1);
    if (F::kLookup) {  // signed grid values: |v| and x with v's sign (maddubs pairs ≤ 2·127·127 each)
        const __m512i slo = _mm512_mask_sub_epi8(xlo, _mm512_movepi8_mask(w.lo), _mm512_setzero_si512(), xlo);
        const __m512i shi = _mm512_mask_sub_epi8(xhi, _mm512_movepi8_mask(w.hi), _mm512_setzero_si512(), xhi);
        return _mm512_add_epi32(_mm512_madd_epi16(_mm512_maddubs_epi16(_mm512_abs_epi8(w.lo), slo), ones),
                                _mm512_madd_epi16(_mm512_maddubs_epi16(_mm512_abs_epi8(w.hi), shi), ones));
    }
    // unsigned values ≤ 31 times s8: each i16 pair sum is at most 2·31·127, so lo + hi cannot saturate
    const __m512i p = _mm512_add_epi16(_mm512_maddubs_epi16(w.lo, xlo), _mm512_maddubs_epi16(w.hi, xhi));
    return _mm512_add_epi32(corr, _mm512_madd_epi16(p, ones));
#endif
}

// Lane l of the result holds s[l / 4].
static inline __m512 spread_quad_scales(__m128 s) {
    return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), _mm512_castps128_ps512(s));
}

// A fixed summation tree (not _mm512_reduce_add_ps, whose order is the compiler's).
static inline float hsum_tree(__m512 v, __m128 m) {
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, m);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

// RM weight rows × RN tokens over all of K, one quad per step; with RM = RN = 1 it is the GEMV.
template <typename F, int RM, int RN, bool kPrefetch>
void quad_tile(int64_t k, const char* w, size_t w_stride, const char* x, size_t x_stride, float* y, size_t y_stride) {
    using T = quad_tables<F>;
    const int64_t nb = k / 32, nq = (nb + 3) / 4;
    const prepared_b32_quad_chunk* xc[RN];
    for (int c = 0; c < RN; ++c) xc[c] = reinterpret_cast<const prepared_b32_quad_chunk*>(x + c * x_stride);
    __m512 acc[RM][RN];
    __m128 accm[RM][RN];
    for (int r = 0; r < RM; ++r)
        for (int c = 0; c < RN; ++c) {
            acc[r][c] = _mm512_setzero_ps();
            accm[r][c] = _mm_setzero_ps();
        }
    for (int64_t qd = 0; qd < nq; ++qd) {
        const int blocks = nb - 4 * qd < 4 ? (int)(nb - 4 * qd) : 4;
        quad_values wq[RM];
        for (int r = 0; r < RM; ++r) {
            const char* p = w + r * w_stride + qd * T::kQuadBytes;
            if (kPrefetch) {
                _mm_prefetch(p + kQuadPrefetchBytes, _MM_HINT_T0);
                _mm_prefetch(p + kQuadPrefetchBytes + 64, _MM_HINT_T0);
            }
            wq[r] = unpack_quad<F>(p, blocks * T::kBytes);
        }
        const int64_t ch = qd / 4, qi = qd % 4;
        for (int c = 0; c < RN; ++c) {
            const prepared_b32_quad_chunk& xx = xc[c][ch];
            const __m128 xd = _mm_loadu_ps(xx.d + 4 * qi);
            const __m128 xs = F::kMin ? _mm_loadu_ps(xx.s + 4 * qi) : _mm_setzero_ps();
            for (int r = 0; r < RM; ++r) {
                const __m512i lanes = quad_dot<F>(wq[r], xx.quad[qi]);
                acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(lanes), spread_quad_scales(_mm_mul_ps(wq[r].d, xd)), acc[r][c]);
                if (F::kMin) accm[r][c] = _mm_fmadd_ps(wq[r].m, xs, accm[r][c]);
            }
        }
    }
    for (int r = 0; r < RM; ++r)
        for (int c = 0; c < RN; ++c) y[c * y_stride + r] = hsum_tree(acc[r][c], accm[r][c]);
}

template <typename F>
void quad_gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const char* wr = static_cast<const char*>(w);
    const char* x = static_cast<const char*>(xq);
    for (int i = 0; i < kQuadPrefetchBytes; i += 64) _mm_prefetch(wr + i, _MM_HINT_T0);  // start this block of rows' stream
    for (int64_t r = 0; r < nrows; ++r) quad_tile<F, 1, 1, true>(k, wr + r * w_stride, w_stride, x, 0, y + r, 1);
}

// kQuadTileRows × RN tiles down one column of tokens; the last row alone.
template <typename F, int RN>
void quad_column(int64_t k, const char* w, size_t w_stride, int64_t nrows, const char* x, size_t x_stride, float* y, size_t y_stride) {
    int64_t r = 0;
    for (; r + kQuadTileRows <= nrows; r += kQuadTileRows)
        quad_tile<F, kQuadTileRows, RN, false>(k, w + r * w_stride, w_stride, x, x_stride, y + r, y_stride);
    for (; r < nrows; ++r) quad_tile<F, 1, RN, false>(k, w + r * w_stride, w_stride, x, x_stride, y + r, y_stride);
}

template <typename F>
void quad_gemm(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, size_t xq_stride, int64_t ncols, float* y,
               size_t y_stride) {
    static_assert(kQuadTileTokens == 4, "the switch below lists the narrower tiles");
    const char* wr = static_cast<const char*>(w);
    const char* x = static_cast<const char*>(xq);
    int64_t c = 0;
    for (; c + kQuadTileTokens <= ncols; c += kQuadTileTokens)
        quad_column<F, kQuadTileTokens>(k, wr, w_stride, nrows, x + c * xq_stride, xq_stride, y + c * y_stride, y_stride);
    const char* xc = x + c * xq_stride;
    float* yc = y + c * y_stride;
    switch (ncols - c) {
        case 1: quad_column<F, 1>(k, wr, w_stride, nrows, xc, xq_stride, yc, y_stride); break;
        case 2: quad_column<F, 2>(k, wr, w_stride, nrows, xc, xq_stride, yc, y_stride); break;
        case 3: quad_column<F, 3>(k, wr, w_stride, nrows, xc, xq_stride, yc, y_stride); break;
        default: break;
    }
}

size_t quad_act_bytes(int64_t k) { return prepared_b32_quad_bytes(k); }

template <typename F>
void quad_prepare(const float* x, void* out, int64_t k) { avx512_prepare_b32_quads(x, out, k, F::kCorrection); }

template <typename F>
void set_quads(kernel_table& t, int type) {
    t.types[type].act_bytes = quad_act_bytes;
    t.types[type].prepare_act = quad_prepare<F>;
    t.types[type].gemv = quad_gemv<F>;
    t.types[type].gemm = quad_gemm<F>;
}

}  // namespace

void NI_REGISTER_B32_QUADS(kernel_table& t) {
    set_quads<q4_1_format>(t, NI_TYPE_Q4_1);
    set_quads<q5_0_format>(t, NI_TYPE_Q5_0);
    set_quads<q5_1_format>(t, NI_TYPE_Q5_1);
    set_quads<iq4_nl_format>(t, NI_TYPE_IQ4_NL);
}

}  // namespace ni
