// Host-side helpers of the Marlin-style GEMM shared by the repack and the device API.
#pragma once
#include <cstdint>

#include "nativeinfer.h"

namespace ni::marlin {

// Checks the shape rules of the packed layout and the kernel (K % 128, K % group, N % 64, group in
// {32, 64, 128, K}); on a violation records a message naming `fn` and the rule and returns
// NI_ERR_SHAPE (NI_ERR_INVALID_ARGUMENT for non-positive sizes).
ni_status check_shape(const char* fn, int64_t n, int64_t k, int64_t group_size);

}  // namespace ni::marlin
