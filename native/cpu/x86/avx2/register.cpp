// Kernel registrations of the avx2 table (entries it leaves empty fall through to the ISA below).
#include "dispatch/kernels.h"

namespace ni {

void register_avx2_kernels(kernel_table& t) {
    (void)t;
}

}  // namespace ni
