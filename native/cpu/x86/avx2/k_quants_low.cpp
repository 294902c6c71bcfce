// Q2_K, Q3_K, Q5_K and IQ4_XS kernels for AVX2 (one 32-value group per vector); see ../vector_kernels/k_quants.inl.
#include "x86/avx2/vec.h"
#define NI_REGISTER_K_QUANTS register_avx2_k_quants_low
#define NI_K_QUANTS_GEMV(type) true
#include "x86/vector_kernels/k_quants.inl"
