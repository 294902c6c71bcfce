// Repack: GGUF weights W [N][K] → the Marlin layout of B = Wᵀ [K][N] (marlin_layout.h), on the host.
//
// Pure index arithmetic plus, for F16/BF16, a quantizer. Q4_0 is exactly the kernel's number format
// — symmetric int4 (q - 8) with one f16 scale per 32 consecutive k of one output channel — so its
// repack only moves nibbles and scales: lossless, no rounding anywhere. The CPU test
// (native/tests/test_cuda_repack.cpp) checks this file bit for bit against a layout reference
// written from the description in docs/cuda.md, not from this code.
#include <cmath>
#include <cstring>
#include <vector>

#include "../core/cuda_error.h"
#include "core/half.h"
#include "marlin_host.h"
#include "marlin_layout.h"

namespace ni::marlin {

ni_status check_shape(const char* fn, int64_t n, int64_t k, int64_t group) {
    if (n <= 0 || k <= 0)
        return cuda::fail(NI_ERR_INVALID_ARGUMENT, "%s: N and K must be > 0 (got N = %lld, K = %lld)", fn, (long long)n, (long long)k);
    if (k % 128 != 0)
        return cuda::fail(NI_ERR_SHAPE, "%s: K = %lld must be a multiple of 128", fn, (long long)k);
    if (n % 64 != 0)
        return cuda::fail(NI_ERR_SHAPE, "%s: N = %lld must be a multiple of 64", fn, (long long)n);
    if (group != 32 && group != 64 && group != 128 && group != k)
        return cuda::fail(NI_ERR_SHAPE, "%s: group_size = %lld must be 32, 64, 128 or K (= %lld)", fn, (long long)group, (long long)k);
    if (k > (int64_t)1 << 24 || n > (int64_t)1 << 24 || k * n > (int64_t)1 << 36)
        return cuda::fail(NI_ERR_SHAPE, "%s: N = %lld × K = %lld is larger than this kernel indexes (K, N ≤ 2^24, K·N ≤ 2^36)", fn, (long long)n, (long long)k);
    return NI_OK;
}

namespace {

inline void put_nibble(uint32_t* words, int64_t k, int64_t n, int64_t N, unsigned q) {
    const NibblePos p = weight_position(k, n, N);
    words[p.word] |= (uint32_t)(q & 0xF) << (4 * p.nibble);
}

inline unsigned get_nibble(const uint32_t* words, int64_t k, int64_t n, int64_t N) {
    const NibblePos p = weight_position(k, n, N);
    return (words[p.word] >> (4 * p.nibble)) & 0xF;
}

// Q4_0 block: f16 d, then 16 bytes; byte j holds element j (low nibble) and j + 16 (high nibble).
struct BlockQ4_0 {
    uint16_t d;
    uint8_t qs[16];
};
static_assert(sizeof(BlockQ4_0) == 18, "Q4_0 blocks are 18 bytes");

void repack_q4_0(const uint8_t* w, size_t stride, int64_t N, int64_t K, uint32_t* words, uint16_t* scales) {
    for (int64_t n = 0; n < N; ++n) {
        const BlockQ4_0* row = reinterpret_cast<const BlockQ4_0*>(w + n * stride);
        for (int64_t b = 0; b < K / 32; ++b) {
            BlockQ4_0 blk;
            std::memcpy(&blk, row + b, sizeof blk);  // rows need not be 2-byte aligned
            scales[scale_position(b, n, N)] = blk.d;
            for (int j = 0; j < 16; ++j) {
                put_nibble(words, 32 * b + j, n, N, blk.qs[j] & 0xF);
                put_nibble(words, 32 * b + j + 16, n, N, blk.qs[j] >> 4);
            }
        }
    }
}

// F16/BF16: ggml's Q4_0 rule on groups of `group` values along a row (see the header). The f32
// arithmetic is the reference quantizer's, in the same order (compiled with -ffp-contract=off), so
// group 32 reproduces ni_quantize_rows(Q4_0) bit for bit.
ni_status quantize_dense(int32_t type, const uint8_t* w, size_t stride, int64_t N, int64_t K, int64_t group,
                         uint32_t* words, uint16_t* scales) {
    std::vector<float> x((size_t)group);
    for (int64_t n = 0; n < N; ++n) {
        const uint8_t* row = w + n * stride;
        for (int64_t g = 0; g < K / group; ++g) {
            float amax = 0.0f, max = 0.0f;
            for (int64_t j = 0; j < group; ++j) {
                uint16_t bits;
                std::memcpy(&bits, row + 2 * (g * group + j), 2);
                const float v = type == NI_TYPE_F16 ? fp16_to_f32(bits) : bf16_to_f32(bits);
                if (!std::isfinite(v))
                    return cuda::fail(NI_ERR_INVALID_ARGUMENT, "ni_cuda_marlin_repack: weight [%lld][%lld] is not finite",
                                      (long long)n, (long long)(g * group + j));
                x[(size_t)j] = v;
                if (amax < std::fabs(v)) { amax = std::fabs(v); max = v; }
            }
            const float d = max / -8.0f;
            const float id = d != 0.0f ? 1.0f / d : 0.0f;
            const uint16_t d16 = f32_to_fp16(d);
            if ((d16 & 0x7FFF) >= 0x7C00)
                return cuda::fail(NI_ERR_INVALID_ARGUMENT,
                                  "ni_cuda_marlin_repack: row %lld, group %lld: max |w| = %g needs a scale beyond f16's range (|w| ≤ 524032)",
                                  (long long)n, (long long)g, (double)amax);
            scales[scale_position(g, n, N)] = d16;
            for (int64_t j = 0; j < group; ++j) {
                float v = x[(size_t)j] * id + 8.5f;          // in [0.5, 16.5] unless 1/d overflowed
                if (!(v >= 0.0f)) v = 0.0f;
                const int q = v >= 15.0f ? 15 : (int)v;      // trunc, as ggml's (int8_t) cast
                put_nibble(words, g * group + j, n, N, (unsigned)q);
            }
        }
    }
    return NI_OK;
}

}  // namespace
}  // namespace ni::marlin

using namespace ni::marlin;

extern "C" {

NI_API ni_status ni_cuda_marlin_packed_size(int64_t n, int64_t k, int64_t group_size,
                                            size_t* out_weight_bytes, size_t* out_scale_bytes) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(out_weight_bytes);
    NI_CUDA_CHECK_NOT_NULL(out_scale_bytes);
    if (ni_status st = check_shape(__func__, n, k, group_size); st != NI_OK) return st;
    *out_weight_bytes = (size_t)(k * n / 2);
    *out_scale_bytes = (size_t)(k / group_size * n * 2);
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_marlin_repack(int32_t w_type, const void* w, size_t w_row_stride,
                                       int64_t n, int64_t k, int64_t group_size,
                                       void* out_weights, void* out_scales) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(w);
    NI_CUDA_CHECK_NOT_NULL(out_weights);
    NI_CUDA_CHECK_NOT_NULL(out_scales);
    if (ni_status st = check_shape(__func__, n, k, group_size); st != NI_OK) return st;
    size_t row_bytes;
    switch (w_type) {
        case NI_TYPE_Q4_0:
            if (group_size != 32)
                return ni::cuda::fail(NI_ERR_SHAPE, "%s: Q4_0 has one scale per 32 values, so group_size must be 32 (got %lld)",
                                      __func__, (long long)group_size);
            row_bytes = (size_t)(k / 32 * 18);
            break;
        case NI_TYPE_F16:
        case NI_TYPE_BF16:
            row_bytes = (size_t)k * 2;
            break;
        default:
            return ni::cuda::fail(NI_ERR_UNSUPPORTED_TYPE, "%s: w_type %d is not Q4_0 (2), F16 (1) or BF16 (30)", __func__, w_type);
    }
    if (w_row_stride < row_bytes)
        return ni::cuda::fail(NI_ERR_INVALID_ARGUMENT, "%s: w_row_stride %zu is smaller than a row (%zu bytes)", __func__, w_row_stride, row_bytes);
    uint32_t* words = static_cast<uint32_t*>(out_weights);
    uint16_t* scales = static_cast<uint16_t*>(out_scales);
    std::memset(words, 0, (size_t)(k * n / 2));
    const uint8_t* src = static_cast<const uint8_t*>(w);
    if (w_type == NI_TYPE_Q4_0) {
        repack_q4_0(src, w_row_stride, n, k, words, scales);
        return NI_OK;
    }
    return quantize_dense(w_type, src, w_row_stride, n, k, group_size, words, scales);
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_marlin_unpack(const void* weights, const void* scales,
                                       int64_t n, int64_t k, int64_t group_size,
                                       uint8_t* q_out, uint16_t* scales_out) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(weights);
    NI_CUDA_CHECK_NOT_NULL(scales);
    NI_CUDA_CHECK_NOT_NULL(q_out);
    NI_CUDA_CHECK_NOT_NULL(scales_out);
    if (ni_status st = check_shape(__func__, n, k, group_size); st != NI_OK) return st;
    const uint32_t* words = static_cast<const uint32_t*>(weights);
    const uint16_t* s = static_cast<const uint16_t*>(scales);
    const int64_t groups = k / group_size;
    for (int64_t row = 0; row < n; ++row) {
        for (int64_t col = 0; col < k; ++col) q_out[row * k + col] = (uint8_t)get_nibble(words, col, row, n);
        for (int64_t g = 0; g < groups; ++g) scales_out[row * groups + g] = s[scale_position(g, row, n)];
    }
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_marlin_workspace_size(int64_t n, size_t* out_bytes) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(out_bytes);
    NI_CUDA_CHECK_POSITIVE(n);
    if (n % 64 != 0) return ni::cuda::fail(NI_ERR_SHAPE, "%s: N = %lld must be a multiple of 64", __func__, (long long)n);
    *out_bytes = (size_t)workspace_bytes(n);
    return NI_OK;
    NI_CUDA_GUARD_END
}

}  // extern "C"
