// The lattice grids and sign tables of ggml's i-quants (defined in iq_tables.cpp, generated from
// ggml's src/ggml-common.h by native/tools/gen_iq_tables.py). Data only, shared by every ISA.
//
//   ksigns_iq2xs[i]  7 sign bits i plus an eighth that makes the count of set bits even
//   ksigns64[i]      the same 8 bits, each widened to a byte (0xFF: negative) for SIMD kernels
//   kmask_iq2xs[j]   1 << j: the sign bit of the j-th of 8 values
//   iq2xxs_grid      256 points of 8 magnitudes in {8, 25, 43}, one per byte (IQ2_XXS)
//   iq2xs_grid       512 such points (IQ2_XS)
//   iq2s_grid        1024 such points (IQ2_S)
//   iq3xxs_grid      256 points of 4 magnitudes in 4..62 (IQ3_XXS)
//   iq3s_grid        512 points of 4 odd magnitudes in 1..15 (IQ3_S)
//   iq1s_grid        2048 points of 8 values in {-1, 0, 1} as int8 (IQ1_S, IQ1_M)
// Derived by the script (not in ggml):
//   iq1s_grid_shifted[i]  8·iq1s_grid[i % 2048] + 1 for i < 2048, − 1 above: the int8 values
//                         8·(grid ± 1/8) with the shift's sign as bit 11 of the index (IQ1_M kernels)
#pragma once
#include <cstdint>

namespace ni {

extern const uint8_t kmask_iq2xs[8];
extern const uint8_t ksigns_iq2xs[128];
extern const uint64_t ksigns64[128];
extern const uint64_t iq2xxs_grid[256];
extern const uint64_t iq2xs_grid[512];
extern const uint64_t iq2s_grid[1024];
extern const uint32_t iq3xxs_grid[256];
extern const uint32_t iq3s_grid[512];
extern const uint64_t iq1s_grid[2048];
extern const uint64_t iq1s_grid_shifted[4096];

}  // namespace ni
