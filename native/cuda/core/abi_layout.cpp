// ni_cuda_abi_struct_layout: sizes and field offsets of the CUDA section's structs, so bindings can
// check their mirrors (the .NET interop tests do).
#include <cstddef>

#include "cuda_error.h"

extern "C" NI_API ni_status ni_cuda_abi_struct_layout(int32_t which, int32_t field_index, size_t* out_size, size_t* out_offset) {
    NI_CUDA_GUARD_BEGIN
    if (which != NI_CUDA_STRUCT_DEVICE_INFO)
        return ni::cuda::fail(NI_ERR_INVALID_ARGUMENT, "ni_cuda_abi_struct_layout: unknown struct id %d", which);
    static const size_t o[] = {
        offsetof(ni_cuda_device_info, device),           offsetof(ni_cuda_device_info, compute_major),
        offsetof(ni_cuda_device_info, compute_minor),    offsetof(ni_cuda_device_info, sm_count),
        offsetof(ni_cuda_device_info, total_memory),     offsetof(ni_cuda_device_info, memory_bandwidth),
        offsetof(ni_cuda_device_info, memory_clock_khz), offsetof(ni_cuda_device_info, memory_bus_width),
        offsetof(ni_cuda_device_info, max_shared_per_block), offsetof(ni_cuda_device_info, marlin_supported),
        offsetof(ni_cuda_device_info, name)};
    constexpr int32_t n = (int32_t)(sizeof o / sizeof o[0]);
    if (field_index < 0 || field_index >= n)
        return ni::cuda::fail(NI_ERR_INVALID_ARGUMENT, "ni_cuda_abi_struct_layout: field_index %d outside [0, %d)", field_index, n);
    if (out_size) *out_size = sizeof(ni_cuda_device_info);
    if (out_offset) *out_offset = o[field_index];
    return NI_OK;
    NI_CUDA_GUARD_END
}
