// Host interface of the Marlin-style int4 GEMM kernel (marlin_int4.cu). The launcher returns an
// integer LaunchStatus; the C ABI layer (runtime/cuda_api.cpp) turns it into ni_status + message.
#pragma once
#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

namespace ni::marlin {

enum LaunchStatus : int {
    kLaunchOk = 0,
    kLaunchNoTile = 1,        // no compiled tile shape serves this (M, N, K, group)
    kLaunchSharedMemory = 2,  // the tile needs more shared memory than the device gives one block
    kLaunchCudaError = 3,     // the CUDA runtime refused an attribute or the launch (see cuda_error)
};

// Static text for a LaunchStatus.
const char* launch_status_message(int status);

// Everything one GEMM needs; shapes, strides, alignment and buffer sizes are checked by the caller.
struct GemmArgs {
    const void* a;            // A [m][k] f16, rows a_row_stride bytes apart (multiple of 16)
    size_t a_row_stride;
    const void* b;            // packed int4 weights (marlin_layout.h), 16-byte aligned
    const void* scales;       // packed f16 scales [k / group][n], 16-byte aligned
    void* c;                  // C [m][n] f16, rows c_row_stride bytes apart (multiple of 4)
    size_t c_row_stride;
    void* workspace;          // ≥ workspace_bytes(n), all zero between GEMMs
    int64_t m, n, k, group_size;
    int sm_count;             // one block per SM
    int max_shared_optin;     // bytes of dynamic shared memory a block may opt in to
    cudaStream_t stream;
};

// Queues C = A · B on args.stream, in passes of ≤ 64 rows. Returns a LaunchStatus; on
// kLaunchCudaError *cuda_error holds the runtime's code.
int marlin_int4_gemm(const GemmArgs& args, cudaError_t* cuda_error);

}  // namespace ni::marlin
