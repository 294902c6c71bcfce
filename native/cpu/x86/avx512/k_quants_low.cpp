// Q2_K, Q3_K, Q5_K and IQ4_XS kernels for AVX-512 F/BW (two 32-value groups per vector); see ../vector_kernels/k_quants.inl.
#include "x86/avx512_common/vec.h"
#define NI_REGISTER_K_QUANTS register_avx512_k_quants_low
#include "x86/vector_kernels/k_quants.inl"
