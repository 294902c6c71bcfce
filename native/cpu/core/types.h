// Static facts about the ggml types this library implements (block size, bytes, activation type).
#pragma once
#include <cstddef>
#include <cstdint>

#include "checked.h"

namespace ni {

struct type_traits {
    bool known = false;
    bool weight = false;        // accepted by matmul / MoE as a weight type
    int block_size = 0;         // values per block
    size_t block_bytes = 0;     // bytes per block
    int activation_type = -1;   // what X is quantized to when this is the weight type
    const char* name = "";
    // Bytes every row (and so every pointer to one, and every stride) must be a multiple of: the
    // natural alignment of the block, its widest field (fp16 scales: 2; f32 values or scales: 4).
    size_t alignment = 1;
};

// nullptr for ids outside the implemented set.
const type_traits* traits_of(int32_t type);

// Bytes of a row of n values; the caller has checked n % block_size == 0 and row_bytes_checked.
inline size_t row_bytes(const type_traits& t, int64_t n) {
    return (size_t)(n / t.block_size) * t.block_bytes;
}

// Bytes of a row of n ≥ 0 values (n % block_size == 0), out of range when they exceed 2^63 − 1.
inline checked row_bytes_checked(const type_traits& t, int64_t n) {
    return checked(n / t.block_size) * checked(t.block_bytes);
}

}  // namespace ni
