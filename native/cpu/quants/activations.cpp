// Elementwise activations of the expert FFN and the memory probe loop (reference).
#include <cmath>

#include "reference.h"

namespace ni {

void silu_mul_ref(float* g, const float* u, int64_t n) {
    for (int64_t i = 0; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

}  // namespace ni

namespace ni {

uint64_t read_sum_ref(const void* data, size_t bytes) {
    const uint64_t* p = static_cast<const uint64_t*>(data);
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t i = 0; i < bytes / 8; i += 4) {
        s0 += p[i]; s1 += p[i + 1]; s2 += p[i + 2]; s3 += p[i + 3];
    }
    return s0 + s1 + s2 + s3;
}

}  // namespace ni
