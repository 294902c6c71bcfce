// Validation of a GEMM launch (marlin_gemm_checks.h). Alignment is checked on base + offset, not on the
// offset alone: a wrapped buffer's base need not be 256-byte aligned the way cudaMalloc's is.
#include "marlin_gemm_checks.h"

#include <cstdint>

#include "../core/cuda_error.h"
#include "marlin_host.h"
#include "marlin_layout.h"

namespace ni::marlin {
namespace {

using ni::cuda::fail;

uintptr_t address(const Operand& o) { return (uintptr_t)o.base + o.offset; }

// [offset, offset + bytes) inside the buffer?
bool in_bounds(const Operand& o, size_t bytes) { return o.offset <= o.bytes && bytes <= o.bytes - o.offset; }

// Do [x, x + xb) and [y, y + yb) share a byte? Compared as addresses, so two handles of one allocation count.
bool overlaps(uintptr_t x, size_t xb, uintptr_t y, size_t yb) { return x < y + yb && y < x + xb; }

}  // namespace

ni_status check_gemm(const char* fn, const Operand& c, size_t c_row_stride, const Operand& a, size_t a_row_stride, const Operand& b,
                     const Operand& scales, const Operand& workspace, int64_t m, int64_t n, int64_t k, int64_t group_size,
                     GemmAddresses* out) {
    if (out == nullptr) return fail(NI_ERR_INVALID_ARGUMENT, "%s: out is null", fn);
    if (c.base == nullptr || a.base == nullptr || b.base == nullptr || scales.base == nullptr || workspace.base == nullptr)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: a buffer is null", fn);
    if (m <= 0) return fail(NI_ERR_INVALID_ARGUMENT, "%s: m must be > 0 (got %lld)", fn, (long long)m);
    if (ni_status st = check_shape(fn, n, k, group_size); st != NI_OK) return st;
    if (m > (int64_t)1 << 30) return fail(NI_ERR_SHAPE, "%s: M = %lld is too large (≤ 2^30)", fn, (long long)m);

    // Strides and alignment of the addresses the kernel will use (16-byte cp.async of A, B and the
    // scales; half2 stores of C; int and f32 words in the workspace).
    if (a_row_stride < (size_t)k * 2 || a_row_stride % 16 != 0 || address(a) % 16 != 0)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: a_row_stride (%zu) must be ≥ 2K = %lld and a multiple of 16, and A's address (base + offset %zu) 16-byte aligned",
                    fn, a_row_stride, (long long)(2 * k), a.offset);
    if (c_row_stride < (size_t)n * 2 || c_row_stride % 4 != 0 || address(c) % 4 != 0)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: c_row_stride (%zu) must be ≥ 2N = %lld and a multiple of 4, and C's address (base + offset %zu) 4-byte aligned",
                    fn, c_row_stride, (long long)(2 * n), c.offset);
    if (address(b) % 16 != 0 || address(scales) % 16 != 0 || address(workspace) % 16 != 0)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: the addresses of B (offset %zu), the scales (offset %zu) and the workspace must be 16-byte aligned", fn,
                    b.offset, scales.offset);

    // Every access inside its buffer.
    const size_t a_bytes = (size_t)(m - 1) * a_row_stride + (size_t)k * 2;
    const size_t c_bytes = (size_t)(m - 1) * c_row_stride + (size_t)n * 2;
    const size_t b_bytes = (size_t)(k * n / 2);
    const size_t s_bytes = (size_t)(k / group_size * n * 2);
    const size_t w_bytes = (size_t)workspace_bytes(n);
    if (!in_bounds(a, a_bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: A [%lld][%lld] at offset %zu needs %zu bytes, the buffer has %zu", fn, (long long)m, (long long)k,
                    a.offset, a_bytes, a.bytes);
    if (!in_bounds(c, c_bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: C [%lld][%lld] at offset %zu needs %zu bytes, the buffer has %zu", fn, (long long)m, (long long)n,
                    c.offset, c_bytes, c.bytes);
    if (!in_bounds(b, b_bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: packed B at offset %zu needs %zu bytes, the buffer has %zu", fn, b.offset, b_bytes, b.bytes);
    if (!in_bounds(scales, s_bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: packed scales at offset %zu need %zu bytes, the buffer has %zu", fn, scales.offset, s_bytes,
                    scales.bytes);
    if (!in_bounds(workspace, w_bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: the workspace at offset %zu has %zu bytes left, N = %lld needs %zu (ni_cuda_marlin_workspace_size)", fn,
                    workspace.offset, workspace.offset <= workspace.bytes ? workspace.bytes - workspace.offset : 0, (long long)n, w_bytes);
    const uintptr_t ca = address(c);
    if (overlaps(ca, c_bytes, address(a), a_bytes) || overlaps(ca, c_bytes, address(b), b_bytes) ||
        overlaps(ca, c_bytes, address(scales), s_bytes) || overlaps(ca, c_bytes, address(workspace), w_bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: C overlaps an input or the workspace", fn);
    if (overlaps(address(workspace), w_bytes, address(a), a_bytes) || overlaps(address(workspace), w_bytes, address(b), b_bytes) ||
        overlaps(address(workspace), w_bytes, address(scales), s_bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: the workspace overlaps an input", fn);
    if (a.device != c.device || b.device != c.device || scales.device != c.device || workspace.device != c.device)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: the buffers must be on one device (C on %d, A on %d, B on %d, scales on %d, workspace on %d)", fn,
                    c.device, a.device, b.device, scales.device, workspace.device);

    out->a = (const void*)address(a);
    out->b = (const void*)address(b);
    out->scales = (const void*)address(scales);
    out->c = (void*)ca;
    out->workspace = (void*)address(workspace);
    return NI_OK;
}

ni_status check_wrap(const char* fn, int32_t device, const void* device_pointer, size_t bytes) {
    if (device_pointer == nullptr) return fail(NI_ERR_INVALID_ARGUMENT, "%s: device_pointer is null", fn);
    if (bytes == 0) return fail(NI_ERR_INVALID_ARGUMENT, "%s: bytes must be > 0", fn);
    if ((uintptr_t)device_pointer + bytes < (uintptr_t)device_pointer)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: [%p, +%zu) wraps around the address space", fn, device_pointer, bytes);
    if (device < 0) return fail(NI_ERR_INVALID_ARGUMENT, "%s: device %d is negative", fn, device);
    return NI_OK;
}

}  // namespace ni::marlin
