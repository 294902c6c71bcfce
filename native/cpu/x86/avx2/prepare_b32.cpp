// Q8_0 quantization of an activation row into the layout of x86/common/prepared_b32.h (the vector
// kernels of Q4_1, Q5_0, Q5_1 and IQ4_NL read it on AVX2 and AVX-512). The values come from the
// AVX2 Q8_0 quantizer, bit-identical to the reference; this file moves them and adds the sums.
#include <immintrin.h>

#include <cstring>

#include "activations.h"
#include "core/blocks.h"
#include "x86/common/prepared_b32.h"

namespace ni {

void avx2_prepare_b32(const float* x, void* out, int64_t k) {
    const int64_t nb = k / 32, np = prepared_b32_blocks(k);
    int8_t* qs = static_cast<int8_t*>(out);
    float* d = const_cast<float*>(prepared_b32_d(out, k));
    float* s = d + np;
    for (int64_t b = 0; b < nb; ++b) {
        block_q8_0 q;
        avx2_quantize_row_q8_0(x + 32 * b, &q, 32);
        std::memcpy(qs + 32 * b, q.qs, 32);
        // Σ of the 32 signed bytes: bias to unsigned, sum groups of 8 with sad, unbias.
        const __m256i v = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q.qs)), _mm256_set1_epi8((char)0x80));
        const __m256i sums = _mm256_sad_epu8(v, _mm256_setzero_si256());
        const __m128i t = _mm_add_epi64(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
        const int64_t total = _mm_cvtsi128_si64(t) + _mm_extract_epi64(t, 1) - 32 * 128;
        d[b] = _cvtsh_ss(q.d);
        s[b] = d[b] * (float)total;
    }
    if (nb < np) {  // the zero block that completes the last pair
        std::memset(qs + 32 * nb, 0, 32);
        d[nb] = 0.0f;
        s[nb] = 0.0f;
    }
}

}  // namespace ni
