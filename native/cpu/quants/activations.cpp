// Elementwise activations of the expert FFN (reference).
#include <cmath>

#include "reference.h"

namespace ni {

void silu_mul_ref(float* g, const float* u, int64_t n) {
    for (int64_t i = 0; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

}  // namespace ni
