// The AVX-512 (F/BW/DQ/VL, no VNNI) kernel table: entries left empty fall through to AVX2.
#include "dispatch/kernels.h"

namespace ni {

void register_avx512_q8_family(kernel_table& t);
void register_avx512_q4_0(kernel_table& t);
void register_avx512_k_quants(kernel_table& t);
void register_avx512_iquants(kernel_table& t);
void register_avx512_k_quants_low(kernel_table& t);
void register_avx512_block32_quads(kernel_table& t);
void register_avx512_rows_axpy(kernel_table& t);

void register_avx512_kernels(kernel_table& t) {
    register_avx512_q8_family(t);
    register_avx512_q4_0(t);
    register_avx512_k_quants(t);
    register_avx512_iquants(t);
    register_avx512_k_quants_low(t);
    register_avx512_block32_quads(t);
    register_avx512_rows_axpy(t);
}

}  // namespace ni
