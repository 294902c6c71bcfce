// The AVX-512 VNNI kernel table: entries left empty fall through to plain AVX-512.
#include "dispatch/kernels.h"

namespace ni {

void register_avx512_vnni_q8_family(kernel_table& t);

void register_avx512_vnni_kernels(kernel_table& t) { register_avx512_vnni_q8_family(t); }

}  // namespace ni
