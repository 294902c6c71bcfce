// Host-side validation of one Marlin GEMM launch: shapes, strides, alignment of the actual addresses,
// bounds of every operand inside its buffer, C overlapping nothing, one device. Shared by
// ni_cuda_marlin_gemm (runtime/cuda_api.cpp) and the CPU tests; needs no CUDA headers, so the checks
// run — and are tested — on machines without a toolkit.
#pragma once
#include <cstddef>
#include <cstdint>

#include "nativeinfer.h"

namespace ni::marlin {

// One operand: the buffer that holds it (base address, size, device) and the byte offset where it starts.
// Buffers may be the library's own allocations or wrapped memory of another CUDA library
// (ni_cuda_buffer_wrap), so nothing is assumed about the base address's alignment.
struct Operand {
    const void* base;
    size_t bytes;
    int32_t device;
    size_t offset;
};

// The addresses the kernel is given once every check has passed.
struct GemmAddresses {
    const void* a;
    const void* b;
    const void* scales;
    void* c;
    void* workspace;
};

// Checks C[m][n] = A[m][k] · B for the packed B and scales of (n, k, group_size), with A and C rows
// a_row_stride / c_row_stride bytes apart. On success fills *out and returns NI_OK; otherwise records a
// message naming `fn` and the rule (ni_cuda_last_error) and returns NI_ERR_SHAPE or NI_ERR_INVALID_ARGUMENT.
ni_status check_gemm(const char* fn, const Operand& c, size_t c_row_stride, const Operand& a, size_t a_row_stride, const Operand& b,
                     const Operand& scales, const Operand& workspace, int64_t m, int64_t n, int64_t k, int64_t group_size,
                     GemmAddresses* out);

// Checks the arguments of ni_cuda_buffer_wrap that need no device: a non-null pointer, bytes > 0, a range
// that does not wrap around the address space, a non-negative device index.
ni_status check_wrap(const char* fn, int32_t device, const void* device_pointer, size_t bytes);

}  // namespace ni::marlin
