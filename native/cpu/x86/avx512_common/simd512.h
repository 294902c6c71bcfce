// AVX-512 helpers shared by the avx512 and avx512_vnni kernels. All static inline (../README.md).
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace ni {

static inline float hsum512_ps(__m512 v) { return _mm512_reduce_add_ps(v); }

// Two Q8_0 blocks' 32-byte value arrays → one vector [a | b].
static inline __m512i load_pair_256(const void* a, const void* b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a))),
                              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)), 1);
}

// 16 lanes: the first 8 get s0, the last 8 get s1.
static inline __m512 split_broadcast(float s0, float s1) {
    return _mm512_insertf32x8(_mm512_set1_ps(s0), _mm256_set1_ps(s1), 1);
}

static inline uint16_t load_u16(const void* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

// Two fp16 scales → f32 (F16C on one xmm).
static inline void half2_to_float(uint16_t a, uint16_t b, float* fa, float* fb) {
    const __m128 f = _mm_cvtph_ps(_mm_cvtsi32_si128((int)((uint32_t)a | ((uint32_t)b << 16))));
    *fa = _mm_cvtss_f32(f);
    *fb = _mm_cvtss_f32(_mm_movehdup_ps(f));
}

static inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

}  // namespace ni
