// Q4_1, Q5_0, Q5_1 and IQ4_NL kernels for AVX-512 with VNNI (vpdpbusd) (see ../avx512_common/block32_quads.inl).
#define NI_VNNI 1
#define NI_REGISTER_B32_QUADS register_avx512_vnni_block32_quads
#include "x86/avx512_common/block32_quads.inl"
