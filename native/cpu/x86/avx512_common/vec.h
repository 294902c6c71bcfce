// The vector abstraction of x86/vector_kernels/ for AVX-512 F/BW/DQ/VL: one vector = two groups of
// 32 int8 values side by side (kGroups = 2); float vectors hold each group's 8 int32 lane sums in
// lanes 0-7 and 8-15. avx2/vec.h is the 256-bit counterpart; vector_kernels/README.md lists what
// every function computes (this width has what k_quants.inl uses; block32.inl is built for AVX2 only).
// Everything static inline (../README.md).
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace ni {
namespace {

constexpr int kGroups = 2;
using vi = __m512i;
using vf = __m512;

static inline vi vi_zero() { return _mm512_setzero_si512(); }
static inline vf vf_set1(float v) { return _mm512_set1_ps(v); }
static inline vf vf_zero() { return _mm512_setzero_ps(); }
static inline vi vi_set1_8(int8_t v) { return _mm512_set1_epi8(v); }
static inline vi vi_and(vi a, vi b) { return _mm512_and_si512(a, b); }
static inline vi vi_or(vi a, vi b) { return _mm512_or_si512(a, b); }
template <int S>
static inline vi vi_slli16(vi a) { return _mm512_slli_epi16(a, S); }
static inline vi vi_add32(vi a, vi b) { return _mm512_add_epi32(a, b); }
static inline vf vf_cvt(vi a) { return _mm512_cvtepi32_ps(a); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline float vf_hsum(vf v) {
    // A fixed tree (not _mm512_reduce_add_ps, whose order is the compiler's choice).
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

static inline vi load_groups(const void* p) { return _mm512_loadu_si512(p); }

template <int S0, int S1>
static inline vi bytes_shifted(const uint8_t* p) {
    // Two fixed shifts and an insert: vpsrlvw with a per-half shift vector measured slower here.
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_srli_epi16(v, S0)), _mm256_srli_epi16(v, S1), 1);
}

// [a | a >> 4 | b | b >> 4] per 128-bit lane, masked to nibbles.
static inline vi nibbles_of(__m128i a, __m128i b) {
    const __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_broadcastsi128_si256(a)), _mm256_broadcastsi128_si256(b), 1);
    return _mm512_and_si512(_mm512_mask_srli_epi16(v, (__mmask32)0xFF00FF00u, v, 4), _mm512_set1_epi8(0x0F));
}

static inline vi nibbles_contiguous(const uint8_t* qs) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs));
    return nibbles_of(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

static inline vi table16(const int8_t* t) { return _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t))); }
static inline vi lookup16(vi table, vi idx) { return _mm512_shuffle_epi8(table, idx); }

static inline vi abs8(vi w) { return _mm512_abs_epi8(w); }
static inline vi sign_of(vi x, vi w) { return _mm512_mask_sub_epi8(x, _mm512_movepi8_mask(w), _mm512_setzero_si512(), x); }

static inline vi dot_u8s8_scaled(vi u, vi s, vi scale16) { return _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), scale16); }

static inline vi scale16_per_group(const int16_t* s) {
    return _mm512_inserti64x4(_mm512_set1_epi16(s[0]), _mm256_set1_epi16(s[1]), 1);
}
static inline vi scale16_per_half(const int16_t* s) {
    uint64_t four;
    std::memcpy(&four, s, 8);
    const __m512i idx = _mm512_set_epi16(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    return _mm512_permutexvar_epi16(idx, _mm512_castsi128_si512(_mm_cvtsi64_si128((long long)four)));
}

static inline vi add_low8(vi a, __m256i b) { return _mm512_add_epi32(a, _mm512_zextsi256_si512(b)); }

static inline __m256i fold_groups(vi a) { return _mm256_add_epi32(_mm512_castsi512_si256(a), _mm512_extracti64x4_epi64(a, 1)); }

static inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

}  // namespace
}  // namespace ni
