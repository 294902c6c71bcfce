// Activation preparation for the AVX-512 Q4_0 kernels (x86/common/prepared_q4_0.h). Compiled with
// AVX-512 F/BW only, so the VNNI table uses the same function.
#pragma once
#include <cstdint>

namespace ni {

// f32 row of k values (k a multiple of 32) → the prepared Q4_0 layout, prepared_q4_0_bytes(k) bytes
// at a 64-byte aligned `out`.
void avx512_prepare_q4_0(const float* x, void* out, int64_t k);

}  // namespace ni
