// The AVX-512 table's i-quant rows (iq1.cpp, iq2.cpp, iq3.cpp over iq_rows.h); activations are
// prepared as on AVX2 (plain Q8_K), dequantization and W_ROWS fall through to the scalar reference.
#include "dispatch/kernels.h"

namespace ni {

void register_avx512_iq1(kernel_table& t);
void register_avx512_iq2(kernel_table& t);
void register_avx512_iq3(kernel_table& t);

void register_avx512_iquants(kernel_table& t) {
    register_avx512_iq1(t);
    register_avx512_iq2(t);
    register_avx512_iq3(t);
}

}  // namespace ni
