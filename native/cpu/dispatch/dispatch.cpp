#include "kernels.h"

namespace ni {
namespace {

struct all_tables {
    kernel_table by_isa[NI_ISA_AVX512_VNNI + 1];
    all_tables() {
        // Each ISA's table starts from the one below it and overwrites what it implements.
        kernel_table t;
        register_scalar_kernels(t);
        t.isa = NI_ISA_SCALAR;
        by_isa[NI_ISA_SCALAR] = t;
#if defined(NI_HAVE_X86_KERNELS)
        register_avx2_kernels(t);
        t.isa = NI_ISA_AVX2;
        by_isa[NI_ISA_AVX2] = t;
        register_avx512_kernels(t);
        t.isa = NI_ISA_AVX512;
        by_isa[NI_ISA_AVX512] = t;
        register_avx512_vnni_kernels(t);
        t.isa = NI_ISA_AVX512_VNNI;
        by_isa[NI_ISA_AVX512_VNNI] = t;
#endif
    }
};

}  // namespace

const kernel_table& kernels_for(int isa) {
    static const all_tables tables;
    return tables.by_isa[isa];
}

}  // namespace ni
