// Q4_K and Q6_K kernels for AVX-512 F/BW without VNNI (see ../avx512_common/q4_K_q6_K.inl).
#define NI_VNNI 0
#define NI_REGISTER_Q4_K_Q6_K register_avx512_k_quants
#include "x86/avx512_common/q4_K_q6_K.inl"
