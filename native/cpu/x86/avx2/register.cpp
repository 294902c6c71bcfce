// The AVX2 (+FMA, F16C) kernel table: entries left empty fall through to scalar.
#include "activations.h"
#include "dispatch/kernels.h"

namespace ni {

void register_avx2_q8_family(kernel_table& t);
void register_avx2_k_quants(kernel_table& t);
void register_avx2_float_types(kernel_table& t);
void register_avx2_rows_axpy(kernel_table& t);
void register_avx2_iquants(kernel_table& t);
void register_avx2_block32(kernel_table& t);
void register_avx2_k_quants_low(kernel_table& t);
void register_avx2_q2_K_gemv(kernel_table& t);
void register_avx2_q3_K_gemv(kernel_table& t);
void register_avx2_q5_gemv(kernel_table& t);

void register_avx2_kernels(kernel_table& t) {
    register_avx2_q8_family(t);
    register_avx2_k_quants(t);
    register_avx2_float_types(t);
    register_avx2_rows_axpy(t);
    register_avx2_block32(t);
    register_avx2_k_quants_low(t);
    register_avx2_q2_K_gemv(t);
    register_avx2_q3_K_gemv(t);
    register_avx2_q5_gemv(t);
    t.types[NI_TYPE_Q8_K].quantize_row = avx2_quantize_row_q8_K;
    t.types[NI_TYPE_F16].quantize_row = avx2_quantize_row_f16;
    t.types[NI_TYPE_F16].dequantize_row = avx2_dequantize_row_f16;
    t.types[NI_TYPE_BF16].quantize_row = avx2_quantize_row_bf16;
    t.types[NI_TYPE_BF16].dequantize_row = avx2_dequantize_row_bf16;
    t.silu_mul = avx2_silu_mul;
    t.read_sum = avx2_read_sum;
    register_avx2_iquants(t);
}

}  // namespace ni
