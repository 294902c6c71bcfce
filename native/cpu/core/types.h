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
