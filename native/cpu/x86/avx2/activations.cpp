// AVX2 activation formats: ggml Q8_0 and Q8_K rows, the prepared Q8 layout, f16 / bf16 rows, and
// the elementwise silu·up and memory probe loops. Quantized values are bit-identical to the scalar
// reference (checked by native/tests/test_kernels_vs_scalar).
#include "activations.h"

#include <math.h>

#include "core/blocks.h"
#include "core/half.h"
#include "simd.h"
#include "x86/common/prepared_q8.h"

namespace ni {
namespace {

// One Q8_0 block: scale exactly as the reference (d = amax/127, id = 1/d), values via roundf.
// Returns the fp16 scale; writes the 32 quantized values.
inline uint16_t quantize_block_q8_0(const float* x, int8_t* qs) {
    const __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8), v2 = _mm256_loadu_ps(x + 16), v3 = _mm256_loadu_ps(x + 24);
    const __m256 m = _mm256_max_ps(_mm256_max_ps(abs_ps(v0), abs_ps(v1)), _mm256_max_ps(abs_ps(v2), abs_ps(v3)));
    const float amax = hmax_ps(m);
    const float d = amax / 127.0f;
    const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
    const __m256i q = pack_epi32_to_epi8(_mm256_cvttps_epi32(round_half_away(_mm256_mul_ps(v0, id))),
                                         _mm256_cvttps_epi32(round_half_away(_mm256_mul_ps(v1, id))),
                                         _mm256_cvttps_epi32(round_half_away(_mm256_mul_ps(v2, id))),
                                         _mm256_cvttps_epi32(round_half_away(_mm256_mul_ps(v3, id))));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs), q);
    return _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
}

}  // namespace

void avx2_quantize_row_q8_0(const float* x, void* vy, int64_t n) {
    block_q8_0* y = static_cast<block_q8_0*>(vy);
    for (int64_t b = 0; b < n / QK8_0; ++b) y[b].d = quantize_block_q8_0(x + b * QK8_0, y[b].qs);
}

void avx2_prepare_q8(const float* x, void* out, int64_t k, int correction) {
    const int64_t nb = k / 32, np = prepared_q8_pairs(k);
    prepared_q8_pair* pairs = static_cast<prepared_q8_pair*>(out);
    float* scales = reinterpret_cast<float*>(pairs + np);
    const __m256i ones8 = _mm256_set1_epi8(1);
    const __m256i ones16 = _mm256_set1_epi16(1);
    const __m256i factor = _mm256_set1_epi32(-correction);
    for (int64_t b = 0; b < nb; ++b) {
        prepared_q8_pair& p = pairs[b / 2];
        int8_t* qs = p.qs + 32 * (b % 2);
        const uint16_t d16 = quantize_block_q8_0(x + 32 * b, qs);
        scales[b] = _cvtsh_ss(d16);
        // Sums of 4 consecutive values per lane: maddubs with ones (u8 × s8), then pairs of i16.
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs));
        const __m256i lane_sums = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, q), ones16);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.corr + 8 * (b % 2)), _mm256_mullo_epi32(lane_sums, factor));
    }
    if (nb % 2) {  // zero the missing half of the last pair
        prepared_q8_pair& p = pairs[np - 1];
        std::memset(p.qs + 32, 0, 32);
        std::memset(p.corr + 8, 0, 32);
        scales[nb] = 0.0f;
    }
}

void avx2_quantize_row_q8_K(const float* x, void* vy, int64_t n) {
    block_q8_K* y = static_cast<block_q8_K*>(vy);
    for (int64_t b = 0; b < n / QK_K; ++b, x += QK_K) {
        __m256 m = _mm256_setzero_ps();
        for (int j = 0; j < QK_K; j += 8) m = _mm256_max_ps(m, abs_ps(_mm256_loadu_ps(x + j)));
        const float amax = hmax_ps(m);
        if (amax == 0.0f) {
            std::memset(&y[b], 0, sizeof y[b]);
            continue;
        }
        float max = 0.0f;  // the first value of largest magnitude, with its sign (as the reference)
        for (int j = 0; j < QK_K; ++j)
            if (__builtin_fabsf(x[j]) == amax) { max = x[j]; break; }
        const float iscale = -127.0f / max;
        const __m256 is = _mm256_set1_ps(iscale);
        const __m256i lim = _mm256_set1_epi32(127);
        for (int j = 0; j < QK_K; j += 32) {
            __m256i q[4];
            for (int i = 0; i < 4; ++i) {
                const __m256 v = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * i), is),
                                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                q[i] = _mm256_min_epi32(_mm256_cvtps_epi32(v), lim);
            }
            const __m256i packed = pack_epi32_to_epi8(q[0], q[1], q[2], q[3]);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[b].qs + j), packed);
            // Sums of 16 signed bytes: bias to unsigned, sum groups of 8 with sad, unbias.
            const __m256i s8 = _mm256_sad_epu8(_mm256_xor_si256(packed, _mm256_set1_epi8((char)0x80)), _mm256_setzero_si256());
            alignas(32) int64_t s[4];
            _mm256_store_si256(reinterpret_cast<__m256i*>(s), s8);
            y[b].bsums[j / 16] = (int16_t)(s[0] + s[1] - 16 * 128);
            y[b].bsums[j / 16 + 1] = (int16_t)(s[2] + s[3] - 16 * 128);
        }
        y[b].d = 1.0f / iscale;
    }
}

void avx2_quantize_row_f16(const float* x, void* vy, int64_t n) {
    uint16_t* y = static_cast<uint16_t*>(vy);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; ++i) y[i] = f32_to_fp16(x[i]);
}

void avx2_dequantize_row_f16(const void* vx, float* y, int64_t n) {
    const uint16_t* x = static_cast<const uint16_t*>(vx);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))));
    for (; i < n; ++i) y[i] = fp16_to_f32(x[i]);
}

void avx2_quantize_row_bf16(const float* x, void* vy, int64_t n) {
    uint16_t* y = static_cast<uint16_t*>(vy);
    int64_t i = 0;
    const __m256i abs_mask = _mm256_set1_epi32(0x7FFFFFFF), inf = _mm256_set1_epi32(0x7F800000);
    for (; i + 8 <= n; i += 8) {
        const __m256i u = _mm256_castps_si256(_mm256_loadu_ps(x + i));
        // Round to nearest even: add 0x7FFF + the lowest kept bit; NaN: keep the top half, set the quiet bit.
        const __m256i rounded = _mm256_srli_epi32(
            _mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7FFF), _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1)))), 16);
        const __m256i nan = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(64));
        const __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs_mask), inf);
        const __m256i r = _mm256_blendv_epi8(rounded, nan, is_nan);
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm256_castsi256_si128(packed));
    }
    for (; i < n; ++i) y[i] = f32_to_bf16(x[i]);
}

void avx2_dequantize_row_bf16(const void* vx, float* y, int64_t n) {
    const uint16_t* x = static_cast<const uint16_t*>(vx);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
        _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
    }
    for (; i < n; ++i) y[i] = bf16_to_f32(x[i]);
}

void avx2_silu_mul(float* g, const float* u, int64_t n) {
    int64_t i = 0;
    const __m256 one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(g + i);
        const __m256 s = _mm256_div_ps(v, _mm256_add_ps(one, exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), v))));
        _mm256_storeu_ps(g + i, _mm256_mul_ps(s, _mm256_loadu_ps(u + i)));
    }
    for (; i < n; ++i) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

uint64_t avx2_read_sum(const void* data, size_t bytes) {
    const __m256i* p = static_cast<const __m256i*>(data);
    const size_t n = bytes / 32;  // even: bytes is a multiple of 64
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        a0 = _mm256_add_epi64(a0, _mm256_load_si256(p + i));
        a1 = _mm256_add_epi64(a1, _mm256_load_si256(p + i + 1));
        a2 = _mm256_add_epi64(a2, _mm256_load_si256(p + i + 2));
        a3 = _mm256_add_epi64(a3, _mm256_load_si256(p + i + 3));
    }
    if (i < n) {  // a last 64 bytes (bytes ≡ 64 mod 128): the loop above read 64 bytes past the end here
        a0 = _mm256_add_epi64(a0, _mm256_load_si256(p + i));
        a1 = _mm256_add_epi64(a1, _mm256_load_si256(p + i + 1));
    }
    alignas(32) uint64_t s[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(s), _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
    return s[0] + s[1] + s[2] + s[3];
}

}  // namespace ni
