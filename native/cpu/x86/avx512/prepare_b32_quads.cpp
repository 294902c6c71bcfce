// Q8_0 quantization of an activation row into the quad / nibble-plane layout of
// x86/common/prepared_b32_quads.h. The values come from the AVX2 Q8_0 quantizer, bit-identical to the
// reference; this file moves them and adds the lane corrections and block sums.
#include "prepare_b32_quads.h"

#include <immintrin.h>

#include <cstring>

#include "core/blocks.h"
#include "x86/avx2/activations.h"
#include "x86/common/prepared_b32_quads.h"

namespace ni {

void avx512_prepare_b32_quads(const float* x, void* out, int64_t k, int correction) {
    const int64_t nb = k / 32;
    prepared_b32_quad_chunk* chunks = static_cast<prepared_b32_quad_chunk*>(out);
    const __m512i ones8 = _mm512_set1_epi8(1), ones16 = _mm512_set1_epi16(1);
    for (int64_t c = 0, b0 = 0; b0 < nb; ++c, b0 += kQuadChunkBlocks) {
        const int count = nb - b0 < kQuadChunkBlocks ? (int)(nb - b0) : kQuadChunkBlocks;
        prepared_b32_quad_chunk& ch = chunks[c];
        if (count < kQuadChunkBlocks) std::memset(&ch, 0, sizeof ch);  // missing blocks contribute zero
        block_q8_0 q[kQuadChunkBlocks];
        avx2_quantize_row_q8_0(x + 32 * b0, q, 32 * count);
        for (int b = 0; b < count; ++b) {
            prepared_b32_quad& quad = ch.quad[b / kQuadBlocks];
            const int j = b % kQuadBlocks;
            std::memcpy(quad.lo + 16 * j, q[b].qs, 16);
            std::memcpy(quad.hi + 16 * j, q[b].qs + 16, 16);
            ch.d[b] = _cvtsh_ss(q[b].d);
        }
        for (int qd = 0; qd < (count + kQuadBlocks - 1) / kQuadBlocks; ++qd) {
            prepared_b32_quad& quad = ch.quad[qd];
            // Sums of 4 consecutive values per lane (maddubs with ones, then pairs of i16), lo + hi.
            const __m512i lo = _mm512_load_si512(quad.lo), hi = _mm512_load_si512(quad.hi);
            const __m512i sums = _mm512_add_epi32(_mm512_madd_epi16(_mm512_maddubs_epi16(ones8, lo), ones16),
                                                  _mm512_madd_epi16(_mm512_maddubs_epi16(ones8, hi), ones16));
            _mm512_store_si512(quad.corr, _mm512_mullo_epi32(sums, _mm512_set1_epi32(-correction)));
            // Block sums: the 4 lanes of each block added (lanes 4j..4j+3).
            alignas(64) int32_t lane[16];
            _mm512_store_si512(lane, sums);
            for (int j = 0; j < kQuadBlocks && kQuadBlocks * qd + j < count; ++j) {
                const int b = kQuadBlocks * qd + j;
                ch.s[b] = ch.d[b] * (float)(lane[4 * j] + lane[4 * j + 1] + lane[4 * j + 2] + lane[4 * j + 3]);
            }
        }
    }
}

}  // namespace ni
