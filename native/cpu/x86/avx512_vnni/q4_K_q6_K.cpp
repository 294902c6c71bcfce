// Q4_K and Q6_K kernels for AVX-512 with VNNI (vpdpwssd) (see ../avx512_common/q4_K_q6_K.inl).
#define NI_VNNI 1
#define NI_REGISTER_Q4_K_Q6_K register_avx512_vnni_q4_K_q6_K
#include "x86/avx512_common/q4_K_q6_K.inl"
