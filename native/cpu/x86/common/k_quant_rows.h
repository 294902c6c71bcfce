// Pieces shared by the x86 K-quant kernels of every ISA (no intrinsics; see ../README.md):
// the Q4_K scale unpacking (Q3_K's is in vector registers: ../avx2/simd.h) and the driver that runs a one-row × RN-token kernel over rows and tokens.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ni {
namespace {

// The 8 six-bit scales and 8 mins of a Q4_K block (ggml's packing, as get_scale_min_k4).
inline void q4_K_scales(const uint8_t* packed, uint8_t sc[8], uint8_t m[8]) {
    uint32_t a[3];
    std::memcpy(a, packed, 12);
    const uint32_t s_lo = a[0] & 0x3F3F3F3F, m_lo = a[1] & 0x3F3F3F3F;
    const uint32_t s_hi = (a[2] & 0x0F0F0F0F) | (((a[0] >> 6) & 0x03030303) << 4);
    const uint32_t m_hi = ((a[2] >> 4) & 0x0F0F0F0F) | (((a[1] >> 6) & 0x03030303) << 4);
    std::memcpy(sc, &s_lo, 4);
    std::memcpy(sc + 4, &s_hi, 4);
    std::memcpy(m, &m_lo, 4);
    std::memcpy(m + 4, &m_hi, 4);
}

using row_kernel = void (*)(int64_t k, const char* w, const char* const* x, float* const* y);

// GEMV and GEMM over a kernel that computes one weight row against 1 or N activation rows.
template <row_kernel Row1, row_kernel RowN, int N = 4>
struct row_driver {
    static void gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
        const char* wr = static_cast<const char*>(w);
        const char* x[1] = {static_cast<const char*>(xq)};
        for (int64_t r = 0; r < nrows; ++r) {
            float* out[1] = {y + r};
            Row1(k, wr + r * w_stride, x, out);
        }
    }

    static void gemm(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, size_t xq_stride, int64_t ncols,
                     float* y, size_t y_stride) {
        const char* wr = static_cast<const char*>(w);
        const char* xb = static_cast<const char*>(xq);
        int64_t c = 0;
        for (; c + N <= ncols; c += N) {
            const char* x[N];
            for (int i = 0; i < N; ++i) x[i] = xb + (c + i) * xq_stride;
            for (int64_t r = 0; r < nrows; ++r) {
                float* out[N];
                for (int i = 0; i < N; ++i) out[i] = y + (c + i) * y_stride + r;
                RowN(k, wr + r * w_stride, x, out);
            }
        }
        for (; c < ncols; ++c) gemv(k, w, w_stride, nrows, xb + c * xq_stride, y + c * y_stride);
    }
};

}  // namespace
}  // namespace ni
