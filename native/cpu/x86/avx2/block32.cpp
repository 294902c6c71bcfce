// Q4_1, Q5_0, Q5_1 and IQ4_NL kernels for AVX2 (one block per vector); see ../vector_kernels/block32.inl.
#include "x86/avx2/vec.h"
#define NI_REGISTER_BLOCK32 register_avx2_block32
#include "x86/vector_kernels/block32.inl"
