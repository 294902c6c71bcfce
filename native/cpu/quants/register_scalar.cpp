// The scalar kernel table: reference quantizers and dot products for every type.
#include "../dispatch/kernels.h"
#include "gemv_from_dot.h"
#include "reference.h"

namespace ni {

void register_scalar_kernels(kernel_table& t) {
    auto set = [&](int type, quantize_row_fn q, dequantize_row_fn dq, gemv_fn gv, gemm_fn gm) {
        t.types[type] = type_kernels{q, dq, gv, gm};
    };
    set(NI_TYPE_F32, quantize_row_f32_ref, dequantize_row_f32_ref,
        gemv_from_dot<vec_dot_f32_f32_ref>, gemm_from_dot<vec_dot_f32_f32_ref>);
    set(NI_TYPE_F16, quantize_row_f16_ref, dequantize_row_f16_ref,
        gemv_from_dot<vec_dot_f16_f16_ref>, gemm_from_dot<vec_dot_f16_f16_ref>);
    set(NI_TYPE_BF16, quantize_row_bf16_ref, dequantize_row_bf16_ref,
        gemv_from_dot<vec_dot_bf16_bf16_ref>, gemm_from_dot<vec_dot_bf16_bf16_ref>);
    set(NI_TYPE_Q4_0, quantize_row_q4_0_ref, dequantize_row_q4_0_ref,
        gemv_from_dot<vec_dot_q4_0_q8_0_ref>, gemm_from_dot<vec_dot_q4_0_q8_0_ref>);
    set(NI_TYPE_Q8_0, quantize_row_q8_0_ref, dequantize_row_q8_0_ref,
        gemv_from_dot<vec_dot_q8_0_q8_0_ref>, gemm_from_dot<vec_dot_q8_0_q8_0_ref>);
    set(NI_TYPE_Q4_K, quantize_row_q4_K_ref, dequantize_row_q4_K_ref,
        gemv_from_dot<vec_dot_q4_K_q8_K_ref>, gemm_from_dot<vec_dot_q4_K_q8_K_ref>);
    set(NI_TYPE_Q6_K, quantize_row_q6_K_ref, dequantize_row_q6_K_ref,
        gemv_from_dot<vec_dot_q6_K_q8_K_ref>, gemm_from_dot<vec_dot_q6_K_q8_K_ref>);
    set(NI_TYPE_Q8_K, quantize_row_q8_K_ref, dequantize_row_q8_K_ref, nullptr, nullptr);
    t.silu_mul = silu_mul_ref;
    t.read_sum = read_sum_ref;
}

}  // namespace ni
