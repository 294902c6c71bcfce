// One ISA's GEMV/GEMM against the scalar table's GEMM, shared by the kernel tests: each table
// prepares the same f32 activation rows in its own layout (the ISA's rows 64-byte aligned, as the
// library hands them to its kernels), then both compute Y for the same packed weight rows.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "dispatch/kernels.h"
#include "test_common.h"

namespace nt {

// The worst |Δ| / Σ|w·x| (worst_relative_error) of the ISA's products over rows × toks outputs;
// wd and xd are the dequantized weights and activations the error is scaled by. toks = 1 runs the
// ISA's GEMV, more its GEMM.
inline double isa_vs_scalar_error(const ni::type_kernels& rk, const ni::type_kernels& ik, int64_t k, const void* w,
                                  size_t w_stride, int64_t rows, const float* xf, int64_t toks, const float* wd,
                                  const float* xd) {
    const size_t ref_stride = rk.act_bytes(k), isa_stride = (ik.act_bytes(k) + 63) / 64 * 64;
    std::vector<uint8_t> ref_act(ref_stride * toks), isa_act(isa_stride * toks + 64);
    uint8_t* isa_x = isa_act.data() + (64 - reinterpret_cast<uintptr_t>(isa_act.data()) % 64) % 64;
    for (int64_t i = 0; i < toks; ++i) {
        rk.prepare_act(&xf[i * k], &ref_act[i * ref_stride], k);
        ik.prepare_act(&xf[i * k], isa_x + i * isa_stride, k);
    }
    std::vector<float> y_ref((size_t)(rows * toks)), y((size_t)(rows * toks), NAN);
    rk.gemm(k, w, w_stride, rows, ref_act.data(), ref_stride, toks, y_ref.data(), rows);
    if (toks == 1) ik.gemv(k, w, w_stride, rows, isa_x, y.data());
    else ik.gemm(k, w, w_stride, rows, isa_x, isa_stride, toks, y.data(), rows);
    return worst_relative_error(y.data(), y_ref.data(), wd, xd, rows, toks, k);
}

}  // namespace nt
