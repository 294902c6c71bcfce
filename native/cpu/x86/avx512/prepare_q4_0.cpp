// Q8_0 quantization of an activation row into the quad / nibble-plane layout the AVX-512 Q4_0
// kernels read (x86/common/prepared_q4_0.h). The values come from the AVX2 Q8_0 quantizer, which
// is bit-identical to the reference; this file only moves them and adds the lane corrections.
#include "prepare_q4_0.h"

#include <immintrin.h>

#include <cstring>

#include "core/blocks.h"
#include "x86/avx2/activations.h"
#include "x86/common/prepared_q4_0.h"

namespace ni {

void avx512_prepare_q4_0(const float* x, void* out, int64_t k) {
    const int64_t nb = k / 32;
    prepared_q4_0_chunk* chunks = static_cast<prepared_q4_0_chunk*>(out);
    const __m512i ones8 = _mm512_set1_epi8(1), ones16 = _mm512_set1_epi16(1);
    for (int64_t c = 0, b0 = 0; b0 < nb; ++c, b0 += kQ4ChunkBlocks) {
        const int count = nb - b0 < kQ4ChunkBlocks ? (int)(nb - b0) : kQ4ChunkBlocks;
        prepared_q4_0_chunk& ch = chunks[c];
        if (count < kQ4ChunkBlocks) std::memset(&ch, 0, sizeof ch);  // missing blocks contribute zero
        block_q8_0 q[kQ4ChunkBlocks];
        avx2_quantize_row_q8_0(x + 32 * b0, q, 32 * count);
        for (int b = 0; b < count; ++b) {
            prepared_q4_0_quad& quad = ch.quad[b / kQ4QuadBlocks];
            const int j = b % kQ4QuadBlocks;
            std::memcpy(quad.lo + 16 * j, q[b].qs, 16);
            std::memcpy(quad.hi + 16 * j, q[b].qs + 16, 16);
            ch.d[b] = _cvtsh_ss(q[b].d);
        }
        for (int qd = 0; qd < (count + kQ4QuadBlocks - 1) / kQ4QuadBlocks; ++qd) {
            prepared_q4_0_quad& quad = ch.quad[qd];
            // Sums of 4 consecutive values per lane (maddubs with ones, then pairs of i16), lo + hi.
            const __m512i lo = _mm512_load_si512(quad.lo), hi = _mm512_load_si512(quad.hi);
            const __m512i sums = _mm512_add_epi32(_mm512_madd_epi16(_mm512_maddubs_epi16(ones8, lo), ones16),
                                                  _mm512_madd_epi16(_mm512_maddubs_epi16(ones8, hi), ones16));
            _mm512_store_si512(quad.corr, _mm512_mullo_epi32(sums, _mm512_set1_epi32(-8)));
        }
    }
}

}  // namespace ni
