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
    // Set by the row kernel after begin: the sign bytes of chunks 4h .. 4h + 3 in both 128-bit
    // lanes, and the 16 scales as bytes in both lanes, so that a chunk's signs and its scales take
    // one in-lane byte shuffle each (cross-lane permutes per chunk measured slower: the shuffle
    // ports are what the grid loads and these share).
    __m256i sign_half[2];
    __m256i scale_bytes;
};

// Four 64-bit table entries as one vector: broadcasts from memory (loads only) merged by blends,
// which leave the shuffle ports to the signs and scales. The empty asm statements keep the compiler
// from folding the broadcasts back into inserts and unpacks (shuffles).
static inline __m256i gather4x64(const uint64_t* table, int i0, int i1, int i2, int i3) {
    __m256i a = _mm256_set1_epi64x((long long)table[i0]), b = _mm256_set1_epi64x((long long)table[i1]);
    __m256i c = _mm256_set1_epi64x((long long)table[i2]), d = _mm256_set1_epi64x((long long)table[i3]);
    __asm__("" : "+x"(a), "+x"(b), "+x"(c), "+x"(d));
    return _mm256_blend_epi32(_mm256_blend_epi32(a, b, 0x0C), _mm256_blend_epi32(c, d, 0xC0), 0xF0);
}

// Chunk j's madd scales: int16 lanes 0-7 get scale 2j, lanes 8-15 scale 2j + 1 (high bytes zeroed).
static inline __m256i chunk_scales(const iq_state256& st, int j) {
    const char a = (char)(2 * j), b = (char)(2 * j + 1), z = (char)0x80;
    return _mm256_shuffle_epi8(st.scale_bytes, _mm256_setr_epi8(a, z, a, z, a, z, a, z, a, z, a, z, a, z, a, z,
                                                                b, z, b, z, b, z, b, z, b, z, b, z, b, z, b, z));
}

// ±1 bytes for chunk j from the block's 256 sign bits (bit i set: value 32j + i negative).
static inline __m256i chunk_signs(const iq_state256& st, int j) {
    const char o = (char)(4 * (j & 3));
    const __m256i spread = _mm256_shuffle_epi8(st.sign_half[j >> 2], _mm256_setr_epi8(o, o, o, o, o, o, o, o, o + 1, o + 1, o + 1, o + 1, o + 1, o + 1, o + 1, o + 1,
                                                                                     o + 2, o + 2, o + 2, o + 2, o + 2, o + 2, o + 2, o + 2,
                                                                                     o + 3, o + 3, o + 3, o + 3, o + 3, o + 3, o + 3, o + 3));
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    return _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(1));
}

// The same by a cross-lane permute per chunk, for decoders with kRolledLoop.
static inline __m256i chunk_signs_permuted(const iq_state256& st, int j) {
    const __m256i spread = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(st.signs, _mm256_set1_epi32(j)),
                                               _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                                                2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    return _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(1));
}

// Chunk j's madd scales by a cross-lane permute of the 16 int16 scales, for decoders with kRolledLoop.
static inline __m256i chunk_scales_permuted(const iq_state256& st, int j) {
    const __m256i pair = _mm256_permutevar8x32_epi32(st.scales, _mm256_set1_epi32(j));
    return _mm256_shuffle_epi8(pair, _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
                                                      2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3));
}

// What the row kernel derives from a decoder's begin (iq_state256).
static inline void finish_state(iq_state256& st) {
    st.sign_half[0] = _mm256_permute2x128_si256(st.signs, st.signs, 0x00);
    st.sign_half[1] = _mm256_permute2x128_si256(st.signs, st.signs, 0x11);
    // packus keeps each 128-bit lane's 8 scales (≤ 255) twice; the permute puts all 16 in both lanes.
    st.scale_bytes = _mm256_permute4x64_epi64(_mm256_packus_epi16(st.scales, st.scales), 0x88);
}

// Chunk j (values 32j .. 32j + 31) of super-block s for every token into sumi.
template <class D, int RN>
static inline void iq_chunk(const typename D::block& b, const iq_state256& st, int j, const char* const* x, int64_t s, __m256i* sumi) {
    __m256i mag, sgn;
    D::chunk(b, st, j, mag, sgn);
    const __m256i sc = D::kRolledLoop ? chunk_scales_permuted(st, j) : chunk_scales(st, j);
    for (int c = 0; c < RN; ++c) {
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const block_q8_K*>(x[c])[s].qs + 32 * j));
        sumi[c] = _mm256_add_epi32(sumi[c], _mm256_madd_epi16(_mm256_maddubs_epi16(mag, _mm256_sign_epi8(xv, sgn)), sc));
    }
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
        if (!D::kRolledLoop) finish_state(st);
        __m256i sumi[RN];
        for (int c = 0; c < RN; ++c) sumi[c] = _mm256_setzero_si256();
        // kRolledLoop: a decoder whose unrolled chunk loop measured slower (IQ3_XXS, eight grid
        // loads per chunk: 348 vs 327 µs) keeps a rolled loop and the per-chunk permutes.
        if (D::kRolledLoop) {
            for (int j = 0; j < QK_K / 32; ++j) iq_chunk<D, RN>(b, st, j, x, s, sumi);
        } else {
#pragma GCC unroll 8
            for (int j = 0; j < QK_K / 32; ++j) iq_chunk<D, RN>(b, st, j, x, s, sumi);
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
