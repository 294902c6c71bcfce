// The VBMI i-quant GEMVs and GEMMs (vpermi2b code tables, iq_codes.h). Registered by the AVX-512 VNNI
// table when CPUID reports AVX512_VBMI (Ice Lake, Sapphire Rapids, Zen 4); this directory is compiled
// with the VNNI table's flags plus -mavx512vbmi, so nothing in it runs without that check.
#include "dispatch/kernels.h"

namespace ni {

void register_avx512_vbmi_iq2(kernel_table& t);
void register_avx512_vbmi_iq3(kernel_table& t);

void register_avx512_vbmi_iquants(kernel_table& t) {
    register_avx512_vbmi_iq2(t);
    register_avx512_vbmi_iq3(t);
}

}  // namespace ni
