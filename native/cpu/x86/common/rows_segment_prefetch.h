// The W_ROWS Q4_0 loops visit a weight segment column-first, 18 bytes of every row at a time: a
// stride the hardware prefetcher does not follow, so each row's first visit waited on DRAM. Asking
// for the whole segment up front (a head's W_UK is 36 KB) makes the later block columns hit L2.
#pragma once
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace ni {

static inline void prefetch_rows_segment(const char* w, size_t w_stride, int64_t nrows, size_t row_bytes) {
    const char* end = w + (nrows - 1) * w_stride + row_bytes;
    for (const char* p = w; p < end; p += 64) _mm_prefetch(p, _MM_HINT_T1);
}

}  // namespace ni
