// AVX2 W_ROWS inner loop: Y[c][0..k) += Σ_r X[c][r] · W_r[0..k). F32/F16/BF16 rows feed the FMAs
// directly; quantized rows are first dequantized exactly into a small buffer (SIMD for Q4_0 and
// Q8_0, whose values are (q − 8)·d and q·d: an exact int→float conversion and one multiply, the
// same IEEE operations as the reference, so the values are bit-identical).
#include "core/blocks.h"
#include "core/half.h"
#include "dispatch/kernels.h"
#include "quants/reference.h"
#include "quants/rows_axpy.h"
#include "simd.h"
#include "x86/common/rows_segment_prefetch.h"

namespace ni {
namespace {

void dequantize_q4_0(const void* vx, float* y, int64_t n) {
    const block_q4_0* x = static_cast<const block_q4_0*>(vx);
    const __m256i eight = _mm256_set1_epi8(8);
    for (int64_t b = 0; b < n / QK4_0; ++b) {
        const __m256 d = _mm256_set1_ps(half_to_float(x[b].d));
        const __m256i q = _mm256_sub_epi8(expand_nibbles(x[b].qs), eight);
        const __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
        float* out = y + b * QK4_0;
        _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), d));
        _mm256_storeu_ps(out + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), d));
        _mm256_storeu_ps(out + 16, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), d));
        _mm256_storeu_ps(out + 24, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), d));
    }
}

void dequantize_q8_0(const void* vx, float* y, int64_t n) {
    const block_q8_0* x = static_cast<const block_q8_0*>(vx);
    for (int64_t b = 0; b < n / QK8_0; ++b) {
        const __m256 d = _mm256_set1_ps(half_to_float(x[b].d));
        float* out = y + b * QK8_0;
        for (int i = 0; i < 4; ++i) {
            const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x[b].qs + 8 * i));
            _mm256_storeu_ps(out + 8 * i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d));
        }
    }
}

// y[0..k) += a · row[0..k)
inline void axpy(int64_t k, float a, const float* row, float* y) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= k; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(row + i), _mm256_loadu_ps(y + i)));
    for (; i < k; ++i) y[i] += a * row[i];
}

// Columns [i, i + 8·NV) of RC output rows held in registers across every weight row: each weight
// segment is loaded once for RC outputs, and Y is read and written once (adding row by row through
// memory cost a load and a store of Y per FMA: MLA's P·C over the cache ran at a third of this).
// Every element still sums y + a_0·w_0 + a_1·w_1 + … in row order with one FMA per term, so the
// result is bit-identical to the row-at-a-time loop whatever the blocking.
template <typename Load, int RC, int NV>
inline void axpy_block(int64_t i, const char* w, size_t w_stride, int64_t nrows, const float* x, size_t x_stride, float* y,
                       size_t y_stride) {
    __m256 acc[RC][NV];
    for (int c = 0; c < RC; ++c)
        for (int v = 0; v < NV; ++v) acc[c][v] = _mm256_loadu_ps(y + c * y_stride + i + 8 * v);
    for (int64_t r = 0; r < nrows; ++r, w += w_stride) {
        __m256 wv[NV];
        for (int v = 0; v < NV; ++v) wv[v] = Load::eight(w, i + 8 * v);
        for (int c = 0; c < RC; ++c) {
            const __m256 a = _mm256_broadcast_ss(x + c * x_stride + r);
            for (int v = 0; v < NV; ++v) acc[c][v] = _mm256_fmadd_ps(a, wv[v], acc[c][v]);
        }
    }
    for (int c = 0; c < RC; ++c)
        for (int v = 0; v < NV; ++v) _mm256_storeu_ps(y + c * y_stride + i + 8 * v, acc[c][v]);
}

template <typename Load, int RC>
inline void axpy_rows(int64_t k, const char* w, size_t w_stride, int64_t nrows, const float* x, size_t x_stride, float* y,
                      size_t y_stride) {
    int64_t i = 0;
    for (; i + 16 <= k; i += 16) axpy_block<Load, RC, 2>(i, w, w_stride, nrows, x, x_stride, y, y_stride);
    for (; i + 8 <= k; i += 8) axpy_block<Load, RC, 1>(i, w, w_stride, nrows, x, x_stride, y, y_stride);
    for (int64_t r = 0; i < k && r < nrows; ++r) {
        const char* wr = w + r * w_stride;
        for (int c = 0; c < RC; ++c)
            for (int64_t j = i; j < k; ++j) y[c * y_stride + j] += x[c * x_stride + r] * Load::one(wr, j);
    }
}

// Rows converted 8 values at a time by Load (f32, f16, bf16), four output rows per pass.
template <typename Load>
void rows_axpy_direct(int64_t k, const void* w, size_t w_stride, int64_t nrows, const float* x, size_t x_stride, int64_t ncols,
                      float* y, size_t y_stride) {
    const char* wr = static_cast<const char*>(w);
    int64_t c = 0;
    for (; c + 4 <= ncols; c += 4) axpy_rows<Load, 4>(k, wr, w_stride, nrows, x + c * x_stride, x_stride, y + c * y_stride, y_stride);
    for (; c < ncols; ++c) axpy_rows<Load, 1>(k, wr, w_stride, nrows, x + c * x_stride, x_stride, y + c * y_stride, y_stride);
}

struct f32_load {
    static inline __m256 eight(const char* p, int64_t i) { return _mm256_loadu_ps(reinterpret_cast<const float*>(p) + i); }
    static inline float one(const char* p, int64_t i) { return reinterpret_cast<const float*>(p)[i]; }
};
struct f16_load {
    static inline __m256 eight(const char* p, int64_t i) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(reinterpret_cast<const uint16_t*>(p) + i)));
    }
    static inline float one(const char* p, int64_t i) { return half_to_float(reinterpret_cast<const uint16_t*>(p)[i]); }
};
struct bf16_load {
    static inline __m256 eight(const char* p, int64_t i) {
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(reinterpret_cast<const uint16_t*>(p) + i));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
    static inline float one(const char* p, int64_t i) { return bf16_to_f32(reinterpret_cast<const uint16_t*>(p)[i]); }
};

// Q4_0 rows as above, block by block: the 32 values of a row's block are dequantized in registers
// (the same convert and multiply as dequantize_q4_0, so bit-identical) and added into RC output rows'
// accumulators kept across every weight row. MLA's absorption q_lat = W_UKᵀ q_nope runs this on
// kv_b's rows at every decode step; staging each row in a buffer first cost a store and two loads
// per value.
template <int RC>
inline void q4_0_block(int64_t b, const char* w, size_t w_stride, int64_t nrows, const float* x, size_t x_stride, float* y,
                       size_t y_stride) {
    const __m256i eight = _mm256_set1_epi8(8);
    __m256 acc[RC][4];
    for (int c = 0; c < RC; ++c)
        for (int v = 0; v < 4; ++v) acc[c][v] = _mm256_loadu_ps(y + c * y_stride + b * QK4_0 + 8 * v);
    for (int64_t r = 0; r < nrows; ++r, w += w_stride) {
        const block_q4_0* blk = reinterpret_cast<const block_q4_0*>(w) + b;
        const __m256 d = _mm256_set1_ps(half_to_float(blk->d));
        const __m256i q = _mm256_sub_epi8(expand_nibbles(blk->qs), eight);
        const __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
        const __m256 wv[4] = {
            _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), d),
            _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), d),
            _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), d),
            _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), d),
        };
        for (int c = 0; c < RC; ++c) {
            const __m256 a = _mm256_broadcast_ss(x + c * x_stride + r);
            for (int v = 0; v < 4; ++v) acc[c][v] = _mm256_fmadd_ps(a, wv[v], acc[c][v]);
        }
    }
    for (int c = 0; c < RC; ++c)
        for (int v = 0; v < 4; ++v) _mm256_storeu_ps(y + c * y_stride + b * QK4_0 + 8 * v, acc[c][v]);
}

void rows_axpy_q4_0(int64_t k, const void* w, size_t w_stride, int64_t nrows, const float* x, size_t x_stride, int64_t ncols,
                    float* y, size_t y_stride) {
    const char* wr = static_cast<const char*>(w);
    prefetch_rows_segment(wr, w_stride, nrows, (size_t)(k / QK4_0) * sizeof(block_q4_0));
    for (int64_t b = 0; b < k / QK4_0; ++b) {
        int64_t c = 0;
        for (; c + 2 <= ncols; c += 2) q4_0_block<2>(b, wr, w_stride, nrows, x + c * x_stride, x_stride, y + c * y_stride, y_stride);
        for (; c < ncols; ++c) q4_0_block<1>(b, wr, w_stride, nrows, x + c * x_stride, x_stride, y + c * y_stride, y_stride);
    }
}

template <dequantize_row_fn Dequantize>
void rows_axpy_dequantized(int64_t k, const void* w, size_t w_stride, int64_t nrows, const float* x, size_t x_stride,
                           int64_t ncols, float* y, size_t y_stride) {
    alignas(32) float row[kRowsAxpyMaxColumns];
    const char* wr = static_cast<const char*>(w);
    for (int64_t r = 0; r < nrows; ++r, wr += w_stride) {
        Dequantize(wr, row, k);
        for (int64_t c = 0; c < ncols; ++c) axpy(k, x[c * x_stride + r], row, y + c * y_stride);
    }
}

}  // namespace

void register_avx2_rows_axpy(kernel_table& t) {
    t.types[NI_TYPE_Q4_0].dequantize_row = dequantize_q4_0;
    t.types[NI_TYPE_Q8_0].dequantize_row = dequantize_q8_0;
    t.types[NI_TYPE_F32].rows_axpy = rows_axpy_direct<f32_load>;
    t.types[NI_TYPE_F16].rows_axpy = rows_axpy_direct<f16_load>;
    t.types[NI_TYPE_BF16].rows_axpy = rows_axpy_direct<bf16_load>;
    t.types[NI_TYPE_Q4_0].rows_axpy = rows_axpy_q4_0;
    t.types[NI_TYPE_Q8_0].rows_axpy = rows_axpy_dequantized<dequantize_q8_0>;
    t.types[NI_TYPE_Q4_K].rows_axpy = rows_axpy_dequantized<dequantize_row_q4_K_ref>;
    t.types[NI_TYPE_Q6_K].rows_axpy = rows_axpy_dequantized<dequantize_row_q6_K_ref>;
    t.types[NI_TYPE_Q4_1].rows_axpy = rows_axpy_dequantized<dequantize_row_q4_1_ref>;
    t.types[NI_TYPE_Q5_0].rows_axpy = rows_axpy_dequantized<dequantize_row_q5_0_ref>;
    t.types[NI_TYPE_Q5_1].rows_axpy = rows_axpy_dequantized<dequantize_row_q5_1_ref>;
    t.types[NI_TYPE_IQ4_NL].rows_axpy = rows_axpy_dequantized<dequantize_row_iq4_nl_ref>;
    t.types[NI_TYPE_Q2_K].rows_axpy = rows_axpy_dequantized<dequantize_row_q2_K_ref>;
    t.types[NI_TYPE_Q3_K].rows_axpy = rows_axpy_dequantized<dequantize_row_q3_K_ref>;
    t.types[NI_TYPE_Q5_K].rows_axpy = rows_axpy_dequantized<dequantize_row_q5_K_ref>;
    t.types[NI_TYPE_IQ4_XS].rows_axpy = rows_axpy_dequantized<dequantize_row_iq4_xs_ref>;
}

}  // namespace ni
