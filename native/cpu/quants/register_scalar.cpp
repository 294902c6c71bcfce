// The scalar kernel table: reference quantizers and dot products for every type. Activations are
// prepared in the plain ggml formats (Q8_0 / Q8_K blocks, f16, bf16, f32 rows).
#include "../core/blocks.h"
#include "../dispatch/kernels.h"
#include "gemv_from_dot.h"
#include "rows_axpy.h"
#include "reference.h"

namespace ni {
namespace {

size_t f32_row(int64_t k) { return (size_t)k * 4; }
size_t half_row(int64_t k) { return (size_t)k * 2; }
size_t q8_0_row(int64_t k) { return (size_t)(k / QK8_0) * sizeof(block_q8_0); }
size_t q8_K_row(int64_t k) { return (size_t)(k / QK_K) * sizeof(block_q8_K); }
size_t q8_1_row(int64_t k) { return (size_t)(k / QK8_1) * sizeof(block_q8_1); }

}  // namespace

void register_scalar_iquants(kernel_table& t);  // register_scalar_iq.cpp
// Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K, Q3_K, Q5_K, IQ4_XS and the Q8_1 activations.
static void register_scalar_more_formats(kernel_table& t) {
    auto set = [&](int type, quantize_row_fn q, dequantize_row_fn dq, act_bytes_fn ab, quantize_row_fn prep, gemv_fn gv,
                   gemm_fn gm, rows_axpy_fn ax) { t.types[type] = type_kernels{q, dq, ab, prep, gv, gm, ax}; };
    set(NI_TYPE_Q4_1, quantize_row_q4_1_ref, dequantize_row_q4_1_ref, q8_1_row, quantize_row_q8_1_ref,
        gemv_from_dot<vec_dot_q4_1_q8_1_ref>, gemm_from_dot<vec_dot_q4_1_q8_1_ref>, rows_axpy_from_dequantize<dequantize_row_q4_1_ref>);
    set(NI_TYPE_Q5_0, quantize_row_q5_0_ref, dequantize_row_q5_0_ref, q8_0_row, quantize_row_q8_0_ref,
        gemv_from_dot<vec_dot_q5_0_q8_0_ref>, gemm_from_dot<vec_dot_q5_0_q8_0_ref>, rows_axpy_from_dequantize<dequantize_row_q5_0_ref>);
    set(NI_TYPE_Q5_1, quantize_row_q5_1_ref, dequantize_row_q5_1_ref, q8_1_row, quantize_row_q8_1_ref,
        gemv_from_dot<vec_dot_q5_1_q8_1_ref>, gemm_from_dot<vec_dot_q5_1_q8_1_ref>, rows_axpy_from_dequantize<dequantize_row_q5_1_ref>);
    set(NI_TYPE_IQ4_NL, quantize_row_iq4_nl_ref, dequantize_row_iq4_nl_ref, q8_0_row, quantize_row_q8_0_ref,
        gemv_from_dot<vec_dot_iq4_nl_q8_0_ref>, gemm_from_dot<vec_dot_iq4_nl_q8_0_ref>,
        rows_axpy_from_dequantize<dequantize_row_iq4_nl_ref>);
    set(NI_TYPE_Q2_K, quantize_row_q2_K_ref, dequantize_row_q2_K_ref, q8_K_row, quantize_row_q8_K_ref,
        gemv_from_dot<vec_dot_q2_K_q8_K_ref>, gemm_from_dot<vec_dot_q2_K_q8_K_ref>, rows_axpy_from_dequantize<dequantize_row_q2_K_ref>);
    set(NI_TYPE_Q3_K, quantize_row_q3_K_ref, dequantize_row_q3_K_ref, q8_K_row, quantize_row_q8_K_ref,
        gemv_from_dot<vec_dot_q3_K_q8_K_ref>, gemm_from_dot<vec_dot_q3_K_q8_K_ref>, rows_axpy_from_dequantize<dequantize_row_q3_K_ref>);
    set(NI_TYPE_Q5_K, quantize_row_q5_K_ref, dequantize_row_q5_K_ref, q8_K_row, quantize_row_q8_K_ref,
        gemv_from_dot<vec_dot_q5_K_q8_K_ref>, gemm_from_dot<vec_dot_q5_K_q8_K_ref>, rows_axpy_from_dequantize<dequantize_row_q5_K_ref>);
    set(NI_TYPE_IQ4_XS, quantize_row_iq4_xs_ref, dequantize_row_iq4_xs_ref, q8_K_row, quantize_row_q8_K_ref,
        gemv_from_dot<vec_dot_iq4_xs_q8_K_ref>, gemm_from_dot<vec_dot_iq4_xs_q8_K_ref>,
        rows_axpy_from_dequantize<dequantize_row_iq4_xs_ref>);
    t.types[NI_TYPE_Q8_1].quantize_row = quantize_row_q8_1_ref;
    t.types[NI_TYPE_Q8_1].dequantize_row = dequantize_row_q8_1_ref;
}

void register_scalar_kernels(kernel_table& t) {
    auto set = [&](int type, quantize_row_fn q, dequantize_row_fn dq, act_bytes_fn ab, quantize_row_fn prep, gemv_fn gv,
                   gemm_fn gm) { t.types[type] = type_kernels{q, dq, ab, prep, gv, gm, nullptr}; };
    set(NI_TYPE_F32, quantize_row_f32_ref, dequantize_row_f32_ref, f32_row, quantize_row_f32_ref,
        gemv_from_dot<vec_dot_f32_f32_ref>, gemm_from_dot<vec_dot_f32_f32_ref>);
    set(NI_TYPE_F16, quantize_row_f16_ref, dequantize_row_f16_ref, half_row, quantize_row_f16_ref,
        gemv_from_dot<vec_dot_f16_f16_ref>, gemm_from_dot<vec_dot_f16_f16_ref>);
    set(NI_TYPE_BF16, quantize_row_bf16_ref, dequantize_row_bf16_ref, half_row, quantize_row_bf16_ref,
        gemv_from_dot<vec_dot_bf16_bf16_ref>, gemm_from_dot<vec_dot_bf16_bf16_ref>);
    set(NI_TYPE_Q4_0, quantize_row_q4_0_ref, dequantize_row_q4_0_ref, q8_0_row, quantize_row_q8_0_ref,
        gemv_from_dot<vec_dot_q4_0_q8_0_ref>, gemm_from_dot<vec_dot_q4_0_q8_0_ref>);
    set(NI_TYPE_Q8_0, quantize_row_q8_0_ref, dequantize_row_q8_0_ref, q8_0_row, quantize_row_q8_0_ref,
        gemv_from_dot<vec_dot_q8_0_q8_0_ref>, gemm_from_dot<vec_dot_q8_0_q8_0_ref>);
    set(NI_TYPE_Q4_K, quantize_row_q4_K_ref, dequantize_row_q4_K_ref, q8_K_row, quantize_row_q8_K_ref,
        gemv_from_dot<vec_dot_q4_K_q8_K_ref>, gemm_from_dot<vec_dot_q4_K_q8_K_ref>);
    set(NI_TYPE_Q6_K, quantize_row_q6_K_ref, dequantize_row_q6_K_ref, q8_K_row, quantize_row_q8_K_ref,
        gemv_from_dot<vec_dot_q6_K_q8_K_ref>, gemm_from_dot<vec_dot_q6_K_q8_K_ref>);
    t.types[NI_TYPE_F32].rows_axpy = rows_axpy_from_dequantize<dequantize_row_f32_ref>;
    t.types[NI_TYPE_F16].rows_axpy = rows_axpy_from_dequantize<dequantize_row_f16_ref>;
    t.types[NI_TYPE_BF16].rows_axpy = rows_axpy_from_dequantize<dequantize_row_bf16_ref>;
    t.types[NI_TYPE_Q4_0].rows_axpy = rows_axpy_from_dequantize<dequantize_row_q4_0_ref>;
    t.types[NI_TYPE_Q8_0].rows_axpy = rows_axpy_from_dequantize<dequantize_row_q8_0_ref>;
    t.types[NI_TYPE_Q4_K].rows_axpy = rows_axpy_from_dequantize<dequantize_row_q4_K_ref>;
    t.types[NI_TYPE_Q6_K].rows_axpy = rows_axpy_from_dequantize<dequantize_row_q6_K_ref>;
    t.types[NI_TYPE_Q8_K].quantize_row = quantize_row_q8_K_ref;
    t.types[NI_TYPE_Q8_K].dequantize_row = dequantize_row_q8_K_ref;
    register_scalar_more_formats(t);
    t.silu_mul = silu_mul_ref;
    t.read_sum = read_sum_ref;
    register_scalar_iquants(t);
}

}  // namespace ni
