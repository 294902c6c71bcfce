// The AVX-512BW row kernel shared by the i-quants against Q8_K activations (plain ggml blocks, as
// the AVX2 table prepares them). The AVX2 kernel's scheme (../avx2/iq_rows.h) in 64-value parts:
// a format's decoder D gives, per part, the values' magnitudes (unsigned bytes) and a 64-bit mask
// of the negative values, and per super-block the 16 sub-block scales (one per 16 values), the
// bsums multipliers when kShifted (IQ1_S's ±1/8 shift) and scale(b) = d times the format's
// constant. There is no 512-bit sign_epi8: the mask negates
// the activations instead (masked subtract from zero), then maddubs, madd by the scales spread to
// their 8 int16 lanes each (one word permute per part), add. Sums are exact int32 per super-block.
//
// Decoders keep what they need across parts in iq_block_state (begin), so signs and scales are
// computed for a whole super-block at once in vectors. A row constructs one decoder D and calls
// begin/part through it: the table-based decoders are empty structs, the VBMI ones
// (../avx512_vbmi) load their code tables into registers once per row. One call computes one weight row against RN
// tokens (1, 4 or 8) with the same per-token arithmetic for every RN (batch invariance). Internal
// linkage only.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "x86/avx2/iq_vectors.h"
#include "x86/avx512_common/simd512.h"
#include "x86/common/k_quant_rows.h"

namespace ni {
namespace {

constexpr int kIq512PrefetchBytes = 1024;

struct iq_block_state {
    alignas(32) uint64_t neg[4];  // part p's negative values, bit i = value 64p + i
    __m256i scales;               // 16 int16: 2l + 1 of values 16i .. 16i + 15
    __m256i shift;                // 16 int16 multipliers of the bsums (decoders with kShifted)
    alignas(64) uint16_t idx[64]; // grid indices, when the decoder assembles them in vectors
};

// Eight grid points by the 16-bit words idx[0 .. 7] (a decoder's iq_block_state::idx, or IQ2_XS's
// qs with Mask taking the 9 index bits). The words are read as two 64-bit loads and taken apart in
// general registers: eight 16-bit loads would add eight loads to the table's eight, and loads bound
// these lookups (the empty asm keeps the compiler from narrowing them back into 16-bit loads).
template <uint64_t Mask = 0xFFFF>
static inline __m512i iq_grid8(const uint64_t* grid, const uint16_t* idx) {
    uint64_t a, b;
    std::memcpy(&a, idx, 8);
    std::memcpy(&b, idx + 4, 8);
    __asm__("" : "+r"(a), "+r"(b));
    return _mm512_set_epi64((long long)grid[(b >> 48) & Mask], (long long)grid[(b >> 32) & Mask], (long long)grid[(b >> 16) & Mask],
                            (long long)grid[b & Mask], (long long)grid[(a >> 48) & Mask], (long long)grid[(a >> 32) & Mask],
                            (long long)grid[(a >> 16) & Mask], (long long)grid[a & Mask]);
}

// A decoder's state type: D::state where it declares one (the VBMI decoders keep codes instead of
// indices), else iq_block_state.
template <class...>
using iq_void_t = void;
template <class D, class = void>
struct iq_state_of {
    using type = iq_block_state;
};
template <class D>
struct iq_state_of<D, iq_void_t<typename D::state>> {
    using type = typename D::state;
};

template <class D, int RN>
void iq_row512(int64_t k, const char* w, const char* const* x, float* const* y) {
    const int64_t nsb = k / QK_K;
    const typename D::block* wb = reinterpret_cast<const typename D::block*>(w);
    // Word permutes that give part p's four scales 8 lanes each.
    const __m512i spread0 = _mm512_set_epi16(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i zero = _mm512_setzero_si512();
    const D dec;
    __m512 acc[RN];
    for (int c = 0; c < RN; ++c) acc[c] = _mm512_setzero_ps();
    // Each super-block's state is prepared two iterations ahead, so the grid loads that read indices
    // back from it find its vector stores done instead of waiting on them (no store-to-load forwarding
    // from a vector store to a 16-bit load): IQ1_M 262 → 242 µs, IQ2_S 248 → 238 (one ahead → two; three
    // ahead gains nothing more; 2048 × 2048, one thread, CPU time, medians of 7).
    typename iq_state_of<D>::type state[4];  // a ring indexed by s & 3
    for (int64_t s = 0; s < nsb && s < 2; ++s) dec.begin(wb[s], state[s]);
    for (int64_t s = 0; s < nsb; ++s) {
        const typename D::block& b = wb[s];
        const char* ahead = reinterpret_cast<const char*>(&b) + kIq512PrefetchBytes;
        _mm_prefetch(ahead, _MM_HINT_T0);
        _mm_prefetch(ahead + 64, _MM_HINT_T0);
        const typename iq_state_of<D>::type& st = state[s & 3];
        if (s + 2 < nsb) dec.begin(wb[s + 2], state[(s + 2) & 3]);
        const __m512i scales = _mm512_zextsi256_si512(st.scales);
        __m512i sumi[RN];
        for (int c = 0; c < RN; ++c) sumi[c] = _mm512_setzero_si512();
        for (int p = 0; p < 4; ++p) {
            __m512i mag;
            __mmask64 neg;
            dec.part(b, st, p, mag, neg);
            const __m512i sc = _mm512_permutexvar_epi16(_mm512_add_epi16(spread0, _mm512_set1_epi16((short)(4 * p))), scales);
            for (int c = 0; c < RN; ++c) {
                const __m512i xv = _mm512_loadu_si512(reinterpret_cast<const block_q8_K*>(x[c])[s].qs + 64 * p);
                const __m512i xs = _mm512_mask_sub_epi8(xv, neg, zero, xv);
                sumi[c] = _mm512_add_epi32(sumi[c], _mm512_madd_epi16(_mm512_maddubs_epi16(mag, xs), sc));
            }
        }
        const float d = D::scale(b);
        for (int c = 0; c < RN; ++c) {
            const block_q8_K& xb = reinterpret_cast<const block_q8_K*>(x[c])[s];
            if (D::kShifted)
                sumi[c] = _mm512_add_epi32(sumi[c], _mm512_zextsi256_si512(_mm256_madd_epi16(
                                                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums)), st.shift)));
            acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi[c]), _mm512_set1_ps(d * xb.d), acc[c]);
        }
    }
    for (int c = 0; c < RN; ++c) *y[c] = _mm512_reduce_add_ps(acc[c]);
}

// GEMM in tiles of one row × 8 tokens (the decode of a part is shared by 8 token products; 8
// int32 and 8 float accumulators fit the 32 registers), then 4, then the GEMV for the rest.
template <class D>
struct iq_driver512 {
    using narrow = row_driver<iq_row512<D, 1>, iq_row512<D, 4>>;

    static void gemm(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, size_t xq_stride, int64_t ncols,
                     float* y, size_t y_stride) {
        const char* wr = static_cast<const char*>(w);
        const char* xb = static_cast<const char*>(xq);
        int64_t c = 0;
        for (; c + 8 <= ncols; c += 8) {
            const char* x[8];
            for (int i = 0; i < 8; ++i) x[i] = xb + (c + i) * xq_stride;
            for (int64_t r = 0; r < nrows; ++r) {
                float* out[8];
                for (int i = 0; i < 8; ++i) out[i] = y + (c + i) * y_stride + r;
                iq_row512<D, 8>(k, wr + r * w_stride, x, out);
            }
        }
        if (c < ncols) narrow::gemm(k, w, w_stride, nrows, xb + c * xq_stride, xq_stride, ncols - c, y + c * y_stride, y_stride);
    }
};

template <class D>
void set_iq_kernels512(kernel_table& t, int type) {
    t.types[type].gemv = iq_driver512<D>::narrow::gemv;
    t.types[type].gemm = iq_driver512<D>::gemm;
}

}  // namespace
}  // namespace ni
