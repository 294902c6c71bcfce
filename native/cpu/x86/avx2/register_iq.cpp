// The AVX2 table's i-quant rows (iq1.cpp, iq2.cpp, iq3.cpp over iq_rows.h). Dequantization and
// W_ROWS fall through to the scalar reference.
#include "dispatch/kernels.h"

namespace ni {

void register_avx2_iq1(kernel_table& t);
void register_avx2_iq2(kernel_table& t);
void register_avx2_iq3(kernel_table& t);

void register_avx2_iquants(kernel_table& t) {
    register_avx2_iq1(t);
    register_avx2_iq2(t);
    register_avx2_iq3(t);
}

}  // namespace ni
