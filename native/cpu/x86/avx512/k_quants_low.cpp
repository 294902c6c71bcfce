// Q2_K, Q3_K, Q5_K and IQ4_XS kernels for AVX-512 F/BW (two 32-value groups per vector); see ../vector_kernels/k_quants.inl.
#include "x86/avx512_common/vec.h"
#define NI_REGISTER_K_QUANTS register_avx512_k_quants_low
// Q5_K and IQ4_XS keep the AVX2 GEMV: it read 20-21 vs 15-16 GB/s (Q5_K) and 13 vs 11 GB/s (IQ4_XS)
// single-threaded in cache (docs/benchmarks.md); the GEMMs here are 1.2-1.6x faster than AVX2's.
#define NI_K_QUANTS_GEMV(type) ((type) == NI_TYPE_Q2_K || (type) == NI_TYPE_Q3_K)
#include "x86/vector_kernels/k_quants.inl"
