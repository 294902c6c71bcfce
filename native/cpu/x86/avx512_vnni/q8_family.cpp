// Q8_0 kernels for AVX-512 with VNNI (vpdpbusd) (see ../avx512_common/q8_family.inl).
#define NI_VNNI 1
#define NI_REGISTER_Q8_FAMILY register_avx512_vnni_q8_family
#include "x86/avx512_common/q8_family.inl"
