#include <cmath>
#include <cstring>

#include "reference.h"

namespace ni {

int round_half_away(float x) { return (int)std::roundf(x); }

// Adding 1.5·2^23 moves the rounding point to the integer bit, so the FPU's default
// round-to-nearest-even does the work (ggml's nearest_int); valid for |x| < 2^22.
int round_half_even(float x) {
    float v = x + 12582912.f;
    int32_t i;
    std::memcpy(&i, &v, sizeof i);
    return (i & 0x007FFFFF) - 0x00400000;
}

}  // namespace ni
