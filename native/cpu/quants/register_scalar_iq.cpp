// The scalar kernel table's i-quant rows: reference dequantizers and dot products against plain
// Q8_K activation blocks. quantize_row stays empty (these formats need an importance matrix to be
// written), so ni_quantize_rows refuses them with NI_ERR_UNSUPPORTED_TYPE.
#include "../core/blocks.h"
#include "../dispatch/kernels.h"
#include "gemv_from_dot.h"
#include "reference.h"
#include "reference_iq.h"
#include "rows_axpy.h"

namespace ni {
namespace {

size_t q8_K_row(int64_t k) { return (size_t)(k / QK_K) * sizeof(block_q8_K); }

template <dequantize_row_fn Dequantize, dot_fn Dot>
type_kernels iq_row() {
    type_kernels k;
    k.dequantize_row = Dequantize;
    k.act_bytes = q8_K_row;
    k.prepare_act = quantize_row_q8_K_ref;
    k.gemv = gemv_from_dot<Dot>;
    k.gemm = gemm_from_dot<Dot>;
    k.rows_axpy = rows_axpy_from_dequantize<Dequantize>;
    return k;
}

}  // namespace

void register_scalar_iquants(kernel_table& t) {
    t.types[NI_TYPE_IQ2_XXS] = iq_row<dequantize_row_iq2_xxs_ref, vec_dot_iq2_xxs_q8_K_ref>();
    t.types[NI_TYPE_IQ2_XS] = iq_row<dequantize_row_iq2_xs_ref, vec_dot_iq2_xs_q8_K_ref>();
    t.types[NI_TYPE_IQ2_S] = iq_row<dequantize_row_iq2_s_ref, vec_dot_iq2_s_q8_K_ref>();
    t.types[NI_TYPE_IQ3_XXS] = iq_row<dequantize_row_iq3_xxs_ref, vec_dot_iq3_xxs_q8_K_ref>();
    t.types[NI_TYPE_IQ3_S] = iq_row<dequantize_row_iq3_s_ref, vec_dot_iq3_s_q8_K_ref>();
    t.types[NI_TYPE_IQ1_S] = iq_row<dequantize_row_iq1_s_ref, vec_dot_iq1_s_q8_K_ref>();
    t.types[NI_TYPE_IQ1_M] = iq_row<dequantize_row_iq1_m_ref, vec_dot_iq1_m_q8_K_ref>();
}

}  // namespace ni
