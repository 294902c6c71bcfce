// Activation preparation for the AVX-512 kernels of Q4_1, Q5_0, Q5_1 and IQ4_NL
// (x86/common/prepared_b32_quads.h). Compiled with AVX-512 F/BW only, so the VNNI table uses it too.
#pragma once
#include <cstdint>

namespace ni {

// f32 row of k values (k a multiple of 32) → the prepared quad layout with lane corrections −c·Σx,
// prepared_b32_quad_bytes(k) bytes at a 64-byte aligned `out`.
void avx512_prepare_b32_quads(const float* x, void* out, int64_t k, int correction);

}  // namespace ni
