// Q2_K, Q3_K, Q5_K and IQ4_XS kernels for AVX2 (one 32-value group per vector); see ../vector_kernels/k_quants.inl.
#include "x86/avx2/vec.h"
#define NI_REGISTER_K_QUANTS register_avx2_k_quants_low
// Q2_K and Q3_K take this directory's own GEMVs (q2_k.cpp, q3_k.cpp: same bits, 1.26-1.36x faster); their GEMMs are these.
#define NI_K_QUANTS_GEMV(type) ((type) != NI_TYPE_Q2_K && (type) != NI_TYPE_Q3_K)
#include "x86/vector_kernels/k_quants.inl"
