#include "quant_search.h"

#include <algorithm>
#include <cmath>

#include "reference.h"

namespace ni {

float fit_scale_min(int n, int nmax, const float* x, const float* w, uint8_t* L, float* min_out, float rmin, float rdelta,
                    int nstep, bool use_mad) {
    float lo = x[0], hi = x[0], sum_w = w[0], sum_x = w[0] * x[0];
    for (int i = 1; i < n; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    lo = std::min(lo, 0.0f);
    if (hi == lo) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        *min_out = -lo;
        return 0.0f;
    }
    auto error_of = [&](float scale, float min, const uint8_t* levels) {
        float e = 0;
        for (int i = 0; i < n; ++i) {
            const float diff = scale * levels[i] + min - x[i];
            e += w[i] * (use_mad ? std::fabs(diff) : diff * diff);
        }
        return e;
    };
    float scale = (hi - lo) / nmax, min = lo;
    for (int i = 0; i < n; ++i) L[i] = (uint8_t)std::clamp(round_half_even((x[i] - lo) / scale), 0, nmax);
    float best = error_of(scale, min, L);
    uint8_t trial[256];
    for (int s = 0; s <= nstep; ++s) {
        const float iscale = (rmin + rdelta * s + nmax) / (hi - lo);
        float sl = 0, sll = 0, sxl = 0;
        for (int i = 0; i < n; ++i) {
            const int l = std::clamp(round_half_even(iscale * (x[i] - lo)), 0, nmax);
            trial[i] = (uint8_t)l;
            sl += w[i] * l;
            sll += w[i] * l * l;
            sxl += w[i] * l * x[i];
        }
        // Weighted least squares of x ≈ a·l + b: [sll sl; sl sum_w] [a; b] = [sxl; sum_x].
        const float det = sum_w * sll - sl * sl;
        if (det <= 0) continue;
        float a = (sum_w * sxl - sum_x * sl) / det, b = (sll * sum_x - sl * sxl) / det;
        if (b > 0) {  // the min must not be positive: refit the scale alone
            b = 0;
            a = sxl / sll;
        }
        const float e = error_of(a, b, trial);
        if (e < best) {
            best = e;
            scale = a;
            min = b;
            std::copy(trial, trial + n, L);
        }
    }
    *min_out = -min;
    return scale;
}

float fit_symmetric_scale(int n, int nmax, const float* x, int8_t* L) {
    float amax = 0, max = 0;
    for (int i = 0; i < n; ++i)
        if (std::fabs(x[i]) > amax) { amax = std::fabs(x[i]); max = x[i]; }
    if (amax == 0) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.0f;
    }
    const float iscale = -nmax / max;
    float sxl = 0, sll = 0;  // Σ w·x·l and Σ w·l², w = x²
    for (int i = 0; i < n; ++i) {
        L[i] = (int8_t)std::clamp(round_half_even(iscale * x[i]), -nmax, nmax - 1);
        const float w = x[i] * x[i];
        sxl += w * x[i] * L[i];
        sll += w * L[i] * L[i];
    }
    // Coordinate descent: the best level for x[i] given the others' fit, kept if the fit improves.
    for (int pass = 0; pass < 5; ++pass) {
        int changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            const float rest_xl = sxl - w * x[i] * L[i];
            if (rest_xl <= 0) continue;
            const float rest_ll = sll - w * L[i] * L[i];
            const int l = std::clamp(round_half_even(x[i] * rest_ll / rest_xl), -nmax, nmax - 1);
            if (l == L[i]) continue;
            const float nxl = rest_xl + w * x[i] * l, nll = rest_ll + w * l * l;
            if (nll > 0 && nxl * nxl * sll > sxl * sxl * nll) {
                L[i] = (int8_t)l;
                sxl = nxl;
                sll = nll;
                ++changed;
            }
        }
        if (!changed) break;
    }
    for (int i = 0; i < n; ++i) L[i] = (int8_t)(L[i] + nmax);
    return sll > 0 ? sxl / sll : 0.0f;
}

int nearest_level(const int8_t* values, float x) {
    if (x <= values[0]) return 0;
    if (x >= values[15]) return 15;
    int lo = 0, hi = 15;  // values[lo] <= x < values[hi]
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (x < values[mid]) hi = mid; else lo = mid;
    }
    return x - values[lo] <= values[hi] - x ? lo : hi;
}

float fit_grid_scale(const float* x, int n, const int8_t* values, int ntry, uint8_t* L) {
    float amax = 0, max = 0;
    for (int i = 0; i < n; ++i)
        if (std::fabs(x[i]) > amax) { amax = std::fabs(x[i]); max = x[i]; }
    if (amax == 0) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.0f;
    }
    // Least-squares scale for the levels chosen at inverse scale id (weights x²).
    auto fit = [&](float id, uint8_t* levels, float* sqx, float* sqq) {
        float a = 0, b = 0;
        for (int i = 0; i < n; ++i) {
            const int l = nearest_level(values, id * x[i]);
            if (levels) levels[i] = (uint8_t)l;
            const float q = values[l], w = x[i] * x[i];
            a += w * q * x[i];
            b += w * q * q;
        }
        *sqx = a;
        *sqq = b;
    };
    // The value of largest magnitude maps to the grid's most negative level first.
    float sqx, sqq;
    fit(values[0] / max, L, &sqx, &sqq);
    float d = sqq > 0 ? sqx / sqq : 0.0f, best = d * sqx;
    for (int t = -ntry; t <= ntry; ++t) {
        const float id = (t + values[0]) / max;
        fit(id, nullptr, &sqx, &sqq);
        if (sqq > 0 && sqx * sqx > best * sqq) {
            d = sqx / sqq;
            best = d * sqx;
        }
    }
    return d;
}

}  // namespace ni
