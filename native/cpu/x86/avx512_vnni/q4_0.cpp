// Q4_0 kernels for AVX-512 with VNNI (vpdpbusd) (see ../avx512_common/q4_0.inl).
#define NI_VNNI 1
#define NI_REGISTER_Q4_0 register_avx512_vnni_q4_0
#include "x86/avx512_common/q4_0.inl"
