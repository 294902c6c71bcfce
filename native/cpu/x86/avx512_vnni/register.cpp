// The AVX-512 VNNI kernel table: entries left empty fall through to plain AVX-512.
#include "dispatch/cpu_features.h"
#include "dispatch/kernels.h"

namespace ni {

void register_avx512_vnni_q8_family(kernel_table& t);
void register_avx512_vnni_q4_0(kernel_table& t);
void register_avx512_vnni_bf16(kernel_table& t);
void register_avx512_vnni_block32_quads(kernel_table& t);
void register_avx512_vnni_iq4_xs(kernel_table& t);
void register_avx512_vnni_q2_K(kernel_table& t);
void register_avx512_vnni_q3_K(kernel_table& t);
void register_avx512_vnni_q4_K_q6_K(kernel_table& t);
void register_avx512_vbmi_iquants(kernel_table& t);

void register_avx512_vnni_kernels(kernel_table& t) {
    register_avx512_vnni_q8_family(t);
    register_avx512_vnni_q4_0(t);
    register_avx512_vnni_block32_quads(t);
    register_avx512_vnni_iq4_xs(t);
    register_avx512_vnni_q2_K(t);
    register_avx512_vnni_q3_K(t);
    register_avx512_vnni_q4_K_q6_K(t);
    // Cooper Lake, Sapphire Rapids and Zen 4 have AVX512-BF16; Ice Lake and Cascade Lake do not.
    if (detect_cpu().bits & NI_CPU_AVX512_BF16) register_avx512_vnni_bf16(t);
    // The i-quants' code-table lookups need AVX512_VBMI (Ice Lake and later, Zen 4; not Cascade Lake).
    if (detect_cpu().bits & NI_CPU_AVX512_VBMI) register_avx512_vbmi_iquants(t);
}

}  // namespace ni
