// The five-bit values shared by Q5_0 and Q5_1 (scalar reference code).
#pragma once
#include <cstdint>
#include <cstring>

namespace ni {

// q of element j (0..31) of a Q5_0 or Q5_1 block: a nibble of qs plus bit j of qh as bit 4.
static inline int q5_value(const uint8_t* qs, const uint8_t* qh, int j) {
    uint32_t h;
    std::memcpy(&h, qh, 4);
    const int low = j < 16 ? (qs[j] & 0xF) : (qs[j - 16] >> 4);
    return low | (int)((h >> j) & 1) << 4;
}

}  // namespace ni
