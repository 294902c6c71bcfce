// What the Q2_K and Q3_K VNNI GEMVs (q2_k.cpp, q3_k.cpp) share: the activations prepared once per token —
// the Q8_K blocks the shared GEMM reads, then per super-block four planes, plane s = group s of both
// halves (x[32s .. 32s+31], x[128+32s .. 128+32s+31]) as the 2-bit values of shift s lie in one register —
// the lane-to-scale map of those registers, the scaled dot product and the shared kernel's 256-bit horizontal sum.
#pragma once
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "core/blocks.h"
#include "x86/avx2/activations.h"

namespace ni {
namespace two_bit_planes {
namespace {  // internal linkage: nothing here is shared with another ISA's copy (x86/README.md)

struct prepared_planes {
    int8_t plane[4][64];
};

// The Q8_K part, rounded up so the planes start 64-byte aligned relative to the row.
inline size_t q8_K_part(int64_t k) { return ((size_t)(k / QK_K) * sizeof(block_q8_K) + 63) & ~(size_t)63; }

inline size_t act_bytes(int64_t k) { return q8_K_part(k) + (size_t)(k / QK_K) * sizeof(prepared_planes); }

inline const prepared_planes* planes_of(const void* xq, int64_t k) {
    return reinterpret_cast<const prepared_planes*>(static_cast<const char*>(xq) + q8_K_part(k));
}

inline void prepare_act(const float* x, void* y, int64_t n) {
    avx2_quantize_row_q8_K(x, y, n);
    const block_q8_K* xb = static_cast<const block_q8_K*>(y);
    prepared_planes* tail = reinterpret_cast<prepared_planes*>(static_cast<char*>(y) + q8_K_part(n));
    for (int64_t s = 0; s < n / QK_K; ++s)
        for (int p = 0; p < 4; ++p) {
            const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb[s].qs + 32 * p));
            const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb[s].qs + 128 + 32 * p));
            _mm512_storeu_si512(tail[s].plane[p], _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1));
        }
}

// The shared k-quant kernel's horizontal sum, operation for operation (results stay bit-identical).
inline float hsum_256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

// Int32 lane L of shift S's register belongs to sub-block 8·(L / 8) + 2S + (L % 8) / 4: its scale in both of
// the lane's 16-bit halves, from 16 int16 scales in the low half of `scales16`.
template <int S>
inline __m512i lane_scales16(__m512i scales16) {
    alignas(64) static constexpr int16_t idx[32] = {
        2 * S, 2 * S, 2 * S, 2 * S, 2 * S, 2 * S, 2 * S, 2 * S,
        2 * S + 1, 2 * S + 1, 2 * S + 1, 2 * S + 1, 2 * S + 1, 2 * S + 1, 2 * S + 1, 2 * S + 1,
        8 + 2 * S, 8 + 2 * S, 8 + 2 * S, 8 + 2 * S, 8 + 2 * S, 8 + 2 * S, 8 + 2 * S, 8 + 2 * S,
        9 + 2 * S, 9 + 2 * S, 9 + 2 * S, 9 + 2 * S, 9 + 2 * S, 9 + 2 * S, 9 + 2 * S, 9 + 2 * S};
    return _mm512_permutexvar_epi16(_mm512_load_si512(idx), scales16);
}

// sum + Σ q·x over each 4-element lane, scaled by its sub-block's scale (q unsigned 0..7, x int8:
// maddubs pairs stay far inside int16).
template <int S>
inline __m512i scaled_dot(__m512i sum, __m512i q, const prepared_planes& x, __m512i scales16) {
    return _mm512_dpwssd_epi32(sum, _mm512_maddubs_epi16(q, _mm512_loadu_si512(x.plane[S])), lane_scales16<S>(scales16));
}

}  // namespace
}  // namespace two_bit_planes
}  // namespace ni
