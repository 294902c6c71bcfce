// Scale searches shared by the reference quantizers of the K-quants and the IQ4 formats. They
// follow the ideas of ggml's quantizers (a grid of trial scales around the naive one, each refit by
// weighted least squares, the best kept); any encoding they produce is valid, they only decide how
// small the error is. Scalar reference code (no intrinsics).
#pragma once
#include <cstdint>

namespace ni {

// Fits x[i] ≈ scale·L[i] − min over L in [0, nmax], scale ≥ 0, min ≥ 0 (the formats subtract a
// non-negative min), minimizing Σ w[i]·|err| (use_mad) or Σ w[i]·err². Tries iscale =
// (nmax + rmin + rdelta·s) / (max − min) for s = 0..nstep, refits scale and min by weighted least
// squares for each rounding, keeps the best. Returns scale; writes L and *min_out (as a positive
// number to subtract).
float fit_scale_min(int n, int nmax, const float* x, const float* w, uint8_t* L, float* min_out, float rmin, float rdelta,
                    int nstep, bool use_mad);

// Fits x[i] ≈ scale·l[i] with l in [−nmax, nmax − 1], weighted by x², the value of largest magnitude
// mapping to −nmax first, then levels moved one at a time while the weighted fit improves (at most
// five passes). Returns scale (may be negative); writes L[i] = l[i] + nmax.
float fit_symmetric_scale(int n, int nmax, const float* x, int8_t* L);

// Fits one 32-value block to d·values[L[i]] (values: 16 sorted int8 levels): the scale of the value
// of largest magnitude, then 2·ntry + 1 trial scales around it, each with least squares under
// weights x²; returns the best d (0 for an all-zero block) and writes the indices L.
float fit_grid_scale(const float* x, int n, const int8_t* values, int ntry, uint8_t* L);

// Index of the level of `values` (16 sorted int8) nearest to x; ties go to the lower one.
int nearest_level(const int8_t* values, float x);

}  // namespace ni
