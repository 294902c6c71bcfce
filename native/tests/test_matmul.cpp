// ni_matmul against float64 computations, every weight type, every ISA, awkward shapes.
//
// Two references per output y[n][m]:
//  (a) exact:   Σ_k W[m][k]·X̂[n][k] in float64, with W dequantized and X̂ = X quantized to the
//               activation format and dequantized (both through the public API). Only the
//               kernel's float32 accumulation differs: |Δ| ≤ tol · Σ|W·X̂|, tol = nt::product_tolerance.
//  (b) float64: Σ_k W[m][k]·X[n][k] with the original f32 X. The activation quantization error is
//               bounded per element: Q8_0 rounds to steps of d = amax/127 (error ≤ d/2) and stores d
//               in fp16 (relative 2^-11, times |q| ≤ 127 → 0.062·d), so |x − x̂| ≤ 0.57·d (Q8_1 has
//               Q8_0's values); Q8_K
//               keeps d in f32: ≤ 0.51·d; F16 ≤ 2^-11·|x|; BF16 ≤ 2^-8·|x|. Hence
//               |Δ| ≤ Σ_k |W[m][k]|·bound_k + tol·Σ|W·X|.
// Results must also be bit-identical for 1, 2 and 3 threads.
#include <cstring>

#include "test_common.h"
#include "weight_rows.h"

namespace {

struct problem {
    int type;
    int64_t n, m, k;
    size_t x_pad, y_pad;  // extra floats between rows (strided views)
};

// Per-element worst-case |x − x̂| of the activation quantization (see the file comment).
std::vector<double> activation_error_bound(int act, const std::vector<float>& x, int64_t k) {
    std::vector<double> b(x.size());
    const int64_t block = act == NI_TYPE_Q8_0 || act == NI_TYPE_Q8_1 ? 32 : act == NI_TYPE_Q8_K ? 256 : 1;
    for (size_t start = 0; start < x.size(); start += (size_t)block) {
        double amax = 0;
        for (int64_t i = 0; i < block; ++i) amax = std::max(amax, (double)std::fabs(x[start + i]));
        for (int64_t i = 0; i < block; ++i) {
            const double xi = std::fabs(x[start + i]);
            switch (act) {
                case NI_TYPE_Q8_0:
                case NI_TYPE_Q8_1: b[start + i] = 0.57 * amax / 127.0; break;
                case NI_TYPE_Q8_K: b[start + i] = 0.51 * amax / 127.0; break;
                case NI_TYPE_F16: b[start + i] = xi * 0x1p-11 + 0x1p-24; break;
                case NI_TYPE_BF16: b[start + i] = xi * 0x1p-8; break;
                default: b[start + i] = 0.0; break;
            }
        }
    }
    (void)k;
    return b;
}

void run(const problem& p, int isa, nt::rng& r) {
    const int act = nt::activation_type(p.type);
    const size_t w_row = nt::row_size(p.type, p.k), a_row = nt::row_size(act, p.k);
    const size_t x_stride = (size_t)(p.k + (int64_t)p.x_pad) * 4, y_stride = (size_t)(p.m + (int64_t)p.y_pad) * 4;
    const nt::weight_rows wr = nt::make_weight_rows(r, p.type, p.m, p.k, 0.03f);
    std::vector<float> x = nt::make_data(r, (size_t)(p.n * p.k));
    std::vector<float> xs((size_t)p.n * (x_stride / 4), 1e30f);  // padding holds garbage
    for (int64_t i = 0; i < p.n; ++i) std::memcpy(&xs[(size_t)i * (x_stride / 4)], &x[(size_t)(i * p.k)], (size_t)p.k * 4);

    nt::pool pool(2, isa);
    const std::vector<uint8_t>& w = wr.q;  // [m][w_row]
    const std::vector<float>& wd = wr.f;
    std::vector<uint8_t> xq(a_row * (size_t)p.n);
    std::vector<float> xd((size_t)(p.n * p.k));
    NT_CHECK_OK(ni_quantize_rows(pool, act, xq.data(), a_row, x.data(), p.k * 4, p.n, p.k));
    NT_CHECK_OK(ni_dequantize_rows(pool, act, xd.data(), p.k * 4, xq.data(), a_row, p.n, p.k));

    std::vector<float> y((size_t)p.n * (y_stride / 4), -7.0f);
    NT_CHECK_OK(ni_matmul(pool, p.type, w.data(), w_row, xs.data(), x_stride, y.data(), y_stride, p.n, p.m, p.k));

    const std::vector<double> xb = activation_error_bound(act, x, p.k);
    double worst_exact = 0, worst_bound_ratio = 0;
    for (int64_t n = 0; n < p.n; ++n) {
        for (int64_t m = 0; m < p.m; ++m) {
            double exact = 0, exact_abs = 0, f64 = 0, f64_abs = 0, quant_bound = 0;
            for (int64_t k = 0; k < p.k; ++k) {
                const double wv = wd[(size_t)(m * p.k + k)];
                exact += wv * xd[(size_t)(n * p.k + k)];
                exact_abs += std::fabs(wv * xd[(size_t)(n * p.k + k)]);
                f64 += wv * x[(size_t)(n * p.k + k)];
                f64_abs += std::fabs(wv * x[(size_t)(n * p.k + k)]);
                quant_bound += std::fabs(wv) * xb[(size_t)(n * p.k + k)];
            }
            const double got = y[(size_t)n * (y_stride / 4) + (size_t)m];
            worst_exact = std::max(worst_exact, std::fabs(got - exact) / (exact_abs + 1e-30));
            const double bound = quant_bound + nt::product_tolerance(p.type) * f64_abs + 1e-30;
            worst_bound_ratio = std::max(worst_bound_ratio, std::fabs(got - f64) / bound);
            if (std::isnan(got)) worst_exact = worst_bound_ratio = INFINITY;
        }
        for (size_t pad = (size_t)p.m; pad < y_stride / 4; ++pad)
            NT_CHECK(y[(size_t)n * (y_stride / 4) + pad] == -7.0f, "matmul wrote into the y row padding");
    }
    NT_CHECK(worst_exact <= nt::product_tolerance(p.type), "%s %s N=%lld M=%lld K=%lld: |Δ|/Σ|W·X̂| = %.3g vs the exact reference", ni_isa_name(isa),
             nt::type_name(p.type), (long long)p.n, (long long)p.m, (long long)p.k, worst_exact);
    NT_CHECK(worst_bound_ratio <= 1.0, "%s %s N=%lld M=%lld K=%lld: error is %.3g× the activation-quantization bound",
             ni_isa_name(isa), nt::type_name(p.type), (long long)p.n, (long long)p.m, (long long)p.k, worst_bound_ratio);

    // Thread-count invariance.
    for (int threads : {1, 3}) {
        nt::pool other(threads, isa);
        std::vector<float> y2((size_t)p.n * (y_stride / 4), -7.0f);
        NT_CHECK_OK(ni_matmul(other, p.type, w.data(), w_row, xs.data(), x_stride, y2.data(), y_stride, p.n, p.m, p.k));
        NT_CHECK(std::memcmp(y.data(), y2.data(), y.size() * 4) == 0, "%s %s N=%lld: %d threads differ from 2 threads",
                 ni_isa_name(isa), nt::type_name(p.type), (long long)p.n, threads);
    }
    std::printf("  %-12s %-5s N=%-3lld M=%-4lld K=%-5lld exact %.2g, bound use %.3f\n", ni_isa_name(isa),
                nt::type_name(p.type), (long long)p.n, (long long)p.m, (long long)p.k, worst_exact, worst_bound_ratio);
}

}  // namespace

int main() {
    for (int isa : nt::supported_isas()) {
        nt::rng r(42 + isa);
        for (int type : nt::kWeightTypes) {
            const int64_t k = nt::block_size(type) == 256 ? 1536 : 1408;
            for (problem p : {problem{type, 1, 67, k, 0, 0}, problem{type, 2, 33, k, 3, 1}, problem{type, 5, 100, k, 0, 0},
                              problem{type, 17, 70, k, 1, 0}, problem{type, 70, 45, 512, 0, 5}})
                run(p, isa, r);
        }
    }
    return nt::finish("test_matmul");
}
