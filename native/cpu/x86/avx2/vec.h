// The vector abstraction of x86/vector_kernels/ for AVX2: one vector = one group of 32 int8 values
// (kGroups = 1); float vectors hold that group's 8 int32 lane sums. vector_kernels/README.md lists
// what every function computes; avx512_common/vec.h is the 512-bit counterpart (two groups).
// Everything static inline (../README.md).
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace ni {
namespace {

constexpr int kGroups = 1;
using vi = __m256i;
using vf = __m256;

static inline vi vi_zero() { return _mm256_setzero_si256(); }
static inline vf vf_set1(float v) { return _mm256_set1_ps(v); }
static inline vf vf_zero() { return _mm256_setzero_ps(); }
static inline vi vi_set1_8(int8_t v) { return _mm256_set1_epi8(v); }
static inline vi vi_and(vi a, vi b) { return _mm256_and_si256(a, b); }
static inline vi vi_or(vi a, vi b) { return _mm256_or_si256(a, b); }
template <int S>
static inline vi vi_slli16(vi a) { return _mm256_slli_epi16(a, S); }
static inline vi vi_add32(vi a, vi b) { return _mm256_add_epi32(a, b); }
static inline vf vf_cvt(vi a) { return _mm256_cvtepi32_ps(a); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline float vf_hsum(vf v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

// kGroups·32 contiguous bytes.
static inline vi load_groups(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Group g holds the 32 bytes at p, shifted right by shift[g] bits within 16-bit lanes (the caller
// masks the field it wants).
template <int S0, int S1 = 0>
static inline vi bytes_shifted(const uint8_t* p) {
    return _mm256_srli_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), S0);
}

// Group g: the 16 bytes at qs[g] as 32 values 0..15, low nibbles first (ggml's element order).
static inline vi nibbles(const uint8_t* const* qs) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs[0]));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), _mm256_set1_epi8(0x0F));
}

// Group g: 16 bytes at qs + 16g, as nibbles() (consecutive sub-blocks of IQ4_XS).
static inline vi nibbles_contiguous(const uint8_t* qs) {
    const uint8_t* p[1] = {qs};
    return nibbles(p);
}

// Group g: byte j = value where bit j of bits[g] is set, else 0.
static inline vi bits_to_bytes(const uint32_t* bits, int8_t value) {
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits[0]),
                                               _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                                                2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(value));
}

// A 16-entry byte table looked up by values 0..15.
static inline vi table16(const int8_t* t) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t)));
}
static inline vi lookup16(vi table, vi idx) { return _mm256_shuffle_epi8(table, idx); }

// Signed × signed by the sign trick: |w| (unsigned) and x carrying w's sign, for dot_u8s8 (|w| ≤ 127).
static inline vi abs8(vi w) { return _mm256_sign_epi8(w, w); }
static inline vi sign_of(vi x, vi w) { return _mm256_sign_epi8(x, w); }

// int32 lanes, each the sum of 4 consecutive u[i]·s[i] (u unsigned, s signed; pairs must fit int16).
static inline vi dot_u8s8(vi u, vi s) { return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)); }
// As dot_u8s8, each pair sum multiplied by the int16 lane of scale16 first.
static inline vi dot_u8s8_scaled(vi u, vi s, vi scale16) { return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), scale16); }

// Group g's float lanes all get s[g].
static inline vf group_scales(const float* s) { return _mm256_set1_ps(s[0]); }
// Group g's 16 int16 lanes all get s[g].
static inline vi scale16_per_group(const int16_t* s) { return _mm256_set1_epi16(s[0]); }
// Group g's int16 lanes 0-7 get s[2g], lanes 8-15 s[2g + 1] (two 16-value sub-blocks per group).
static inline vi scale16_per_half(const int16_t* s) { return _mm256_set_m128i(_mm_set1_epi16(s[1]), _mm_set1_epi16(s[0])); }

// a + b in the first 8 int32 lanes (b: 8 lanes).
static inline vi add_low8(vi a, __m256i b) { return _mm256_add_epi32(a, b); }

// The int32 lanes of every group added lane by lane into 8 lanes (exact): lane l of the result is the
// same sum whatever the vector width, so kernels that convert it to float agree bit for bit across ISAs.
static inline __m256i fold_groups(vi a) { return a; }

static inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

}  // namespace
}  // namespace ni
