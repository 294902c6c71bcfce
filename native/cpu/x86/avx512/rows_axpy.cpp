// AVX-512 W_ROWS inner loop: Y[c][0..k) += Σ_r X[c][r] · W_r[0..k), sixteen lanes at a time.
// Every element still sums y + a_0·w_0 + a_1·w_1 + … in row order with one FMA per term on the
// exactly dequantized weight, as the AVX2 and scalar loops do, so the three are bit-identical.
//
// Q4_0 (MLA's absorption q_lat = W_UKᵀ q_nope on kv_b, every decode step): the sixteen values a
// block can hold, (q − 8)·d, are one vector computed per block; a vpermps by each weight's nibble
// picks its exact value. vpermps reads only the low four bits of an index, so the low nibbles need
// no mask and the high ones one shift. That is 7 instructions per 32 weights where the AVX2 loop's
// widen-convert-multiply spends ~22; the absorption was ~2.5× less efficient per byte than the GEMVs.
#include <immintrin.h>

#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "quants/rows_axpy.h"
#include "x86/avx512_common/simd512.h"
#include "x86/common/rows_segment_prefetch.h"

namespace ni {
namespace {

struct f32_load {
    static inline __m512 sixteen(const char* p, int64_t i) { return _mm512_loadu_ps(reinterpret_cast<const float*>(p) + i); }
    static inline __m512 partial(const char* p, int64_t i, __mmask16 m) {
        return _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(p) + i);
    }
};
struct f16_load {
    static inline __m512 sixteen(const char* p, int64_t i) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const uint16_t*>(p) + i)));
    }
    static inline __m512 partial(const char* p, int64_t i, __mmask16 m) {
        return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, reinterpret_cast<const uint16_t*>(p) + i));
    }
};
struct bf16_load {
    static inline __m512 sixteen(const char* p, int64_t i) {
        const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const uint16_t*>(p) + i));
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    static inline __m512 partial(const char* p, int64_t i, __mmask16 m) {
        const __m256i h = _mm256_maskz_loadu_epi16(m, reinterpret_cast<const uint16_t*>(p) + i);
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
};

// Columns [i, i + 16·NV) of RC output rows held in registers across every weight row (see the
// AVX2 file for why); the last partial vector of a row goes through masks, so no scalar tail.
template <typename Load, int RC, int NV, bool Masked>
inline void axpy_block(int64_t i, __mmask16 tail, const char* w, size_t w_stride, int64_t nrows, const float* x, size_t x_stride,
                       float* y, size_t y_stride) {
    __m512 acc[RC][NV];
    for (int c = 0; c < RC; ++c)
        for (int v = 0; v < NV; ++v)
            acc[c][v] = Masked ? _mm512_maskz_loadu_ps(tail, y + c * y_stride + i + 16 * v) : _mm512_loadu_ps(y + c * y_stride + i + 16 * v);
    for (int64_t r = 0; r < nrows; ++r, w += w_stride) {
        __m512 wv[NV];
        for (int v = 0; v < NV; ++v) wv[v] = Masked ? Load::partial(w, i + 16 * v, tail) : Load::sixteen(w, i + 16 * v);
        for (int c = 0; c < RC; ++c) {
            const __m512 a = _mm512_set1_ps(x[c * x_stride + r]);
            for (int v = 0; v < NV; ++v) acc[c][v] = _mm512_fmadd_ps(a, wv[v], acc[c][v]);
        }
    }
    for (int c = 0; c < RC; ++c)
        for (int v = 0; v < NV; ++v) {
            if (Masked) _mm512_mask_storeu_ps(y + c * y_stride + i + 16 * v, tail, acc[c][v]);
            else _mm512_storeu_ps(y + c * y_stride + i + 16 * v, acc[c][v]);
        }
}

template <typename Load, int RC>
inline void axpy_rows(int64_t k, const char* w, size_t w_stride, int64_t nrows, const float* x, size_t x_stride, float* y,
                      size_t y_stride) {
    int64_t i = 0;
    for (; i + 32 <= k; i += 32) axpy_block<Load, RC, 2, false>(i, 0, w, w_stride, nrows, x, x_stride, y, y_stride);
    for (; i + 16 <= k; i += 16) axpy_block<Load, RC, 1, false>(i, 0, w, w_stride, nrows, x, x_stride, y, y_stride);
    if (i < k) axpy_block<Load, RC, 1, true>(i, (__mmask16)((1u << (k - i)) - 1), w, w_stride, nrows, x, x_stride, y, y_stride);
}

template <typename Load>
void rows_axpy_direct(int64_t k, const void* w, size_t w_stride, int64_t nrows, const float* x, size_t x_stride, int64_t ncols,
                      float* y, size_t y_stride) {
    const char* wr = static_cast<const char*>(w);
    int64_t c = 0;
    for (; c + 4 <= ncols; c += 4) axpy_rows<Load, 4>(k, wr, w_stride, nrows, x + c * x_stride, x_stride, y + c * y_stride, y_stride);
    for (; c + 2 <= ncols; c += 2) axpy_rows<Load, 2>(k, wr, w_stride, nrows, x + c * x_stride, x_stride, y + c * y_stride, y_stride);
    for (; c < ncols; ++c) axpy_rows<Load, 1>(k, wr, w_stride, nrows, x + c * x_stride, x_stride, y + c * y_stride, y_stride);
}

// B block columns from b (B = 2, or 1 for an odd last one) of every weight row into RC output
// rows' accumulators; two columns give twice the independent work between the per-row scalar loads.
template <int RC, int B>
inline void q4_0_blocks(int64_t b, const char* w, size_t w_stride, int64_t nrows, const float* x, size_t x_stride, float* y,
                        size_t y_stride) {
    const __m512 centred = _mm512_setr_ps(-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7);
    __m512 acc[RC][2 * B];
    for (int c = 0; c < RC; ++c)
        for (int v = 0; v < 2 * B; ++v) acc[c][v] = _mm512_loadu_ps(y + c * y_stride + b * QK4_0 + 16 * v);
    for (int64_t r = 0; r < nrows; ++r, w += w_stride) {
        const block_q4_0* blk = reinterpret_cast<const block_q4_0*>(w) + b;
        __m512 wv[2 * B];
        for (int i = 0; i < B; ++i) {
            // (q − 8)·d for q = 0..15: an integer of at most 4 bits times an fp16 value, exact in f32,
            // and the same product the reference dequantizer forms.
            const __m512 values = _mm512_mul_ps(centred, _mm512_set1_ps(half_to_float(blk[i].d)));
            // Byte j holds value j in its low nibble and value j + 16 in its high one.
            const __m512i packed = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk[i].qs)));
            wv[2 * i] = _mm512_permutexvar_ps(packed, values);
            wv[2 * i + 1] = _mm512_permutexvar_ps(_mm512_srli_epi32(packed, 4), values);
        }
        for (int c = 0; c < RC; ++c) {
            const __m512 a = _mm512_set1_ps(x[c * x_stride + r]);
            for (int v = 0; v < 2 * B; ++v) acc[c][v] = _mm512_fmadd_ps(a, wv[v], acc[c][v]);
        }
    }
    for (int c = 0; c < RC; ++c)
        for (int v = 0; v < 2 * B; ++v) _mm512_storeu_ps(y + c * y_stride + b * QK4_0 + 16 * v, acc[c][v]);
}

template <int B>
inline void q4_0_block_columns(int64_t b, const char* wr, size_t w_stride, int64_t nrows, const float* x, size_t x_stride, int64_t ncols,
                               float* y, size_t y_stride) {
    int64_t c = 0;
    for (; c + 2 <= ncols; c += 2) q4_0_blocks<2, B>(b, wr, w_stride, nrows, x + c * x_stride, x_stride, y + c * y_stride, y_stride);
    for (; c < ncols; ++c) q4_0_blocks<1, B>(b, wr, w_stride, nrows, x + c * x_stride, x_stride, y + c * y_stride, y_stride);
}

void rows_axpy_q4_0(int64_t k, const void* w, size_t w_stride, int64_t nrows, const float* x, size_t x_stride, int64_t ncols,
                    float* y, size_t y_stride) {
    const char* wr = static_cast<const char*>(w);
    const int64_t blocks = k / QK4_0;
    prefetch_rows_segment(wr, w_stride, nrows, (size_t)blocks * sizeof(block_q4_0));
    int64_t b = 0;
    for (; b + 2 <= blocks; b += 2) q4_0_block_columns<2>(b, wr, w_stride, nrows, x, x_stride, ncols, y, y_stride);
    if (b < blocks) q4_0_block_columns<1>(b, wr, w_stride, nrows, x, x_stride, ncols, y, y_stride);
}

}  // namespace

void register_avx512_rows_axpy(kernel_table& t) {
    t.types[NI_TYPE_F32].rows_axpy = rows_axpy_direct<f32_load>;
    t.types[NI_TYPE_F16].rows_axpy = rows_axpy_direct<f16_load>;
    t.types[NI_TYPE_BF16].rows_axpy = rows_axpy_direct<bf16_load>;
    t.types[NI_TYPE_Q4_0].rows_axpy = rows_axpy_q4_0;
}

}  // namespace ni
