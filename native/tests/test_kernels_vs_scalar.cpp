// Every ISA's kernel table against the scalar reference table, for every type:
//   - activation quantizers (Q8_0, Q8_K, F16, BF16) and every dequantizer: bit for bit
//   (weights of types the library cannot write are random valid blocks, weight_rows.h)
//   - GEMV and the tile GEMM: within nt::product_tolerance of Σ|w·x| (float accumulation in another order)
// Shapes deliberately miss the tile sizes (row and token counts of 1, 3, 5, 17, 33, 67).
#include <cstring>

#include "dispatch/kernels.h"
#include "kernel_compare.h"
#include "weight_rows.h"

namespace {


void check_quantizers(const ni::kernel_table& ref, const ni::kernel_table& isa, nt::rng& r) {
    const int act_types[] = {NI_TYPE_Q8_0, NI_TYPE_Q8_K, NI_TYPE_F16, NI_TYPE_BF16, NI_TYPE_F32};
    for (int type : act_types) {
        for (int64_t k : {256, 512, 2048, 4096 + 256}) {
            std::vector<float> x = nt::make_data(r, (size_t)k, 0.5f);
            x[3] = 0.0f;                      // exact zero
            x[7] = -x[9];                     // symmetric pair
            for (int i = 32; i < 64; ++i) x[i] = 0.0f;  // an all-zero block
            const size_t bytes = nt::row_size(type, k);
            std::vector<uint8_t> a(bytes), b(bytes);
            ref.types[type].quantize_row(x.data(), a.data(), k);
            isa.types[type].quantize_row(x.data(), b.data(), k);
            NT_CHECK(std::memcmp(a.data(), b.data(), bytes) == 0, "%s quantize_row_%s k=%lld differs from scalar",
                     ni_isa_name(isa.isa), nt::type_name(type), (long long)k);
        }
    }
}

void check_dequantizers(const ni::kernel_table& ref, const ni::kernel_table& isa, nt::rng& r) {
    for (int type : nt::kWeightTypes) {
        const int64_t k = 2048;
        const nt::weight_rows q = nt::make_weight_rows(r, type, 1, k, 1.0f);
        std::vector<float> a((size_t)k), b((size_t)k);
        ref.types[type].dequantize_row(q.row(0), a.data(), k);
        isa.types[type].dequantize_row(q.row(0), b.data(), k);
        NT_CHECK(std::memcmp(a.data(), b.data(), (size_t)k * 4) == 0, "%s dequantize_row_%s differs from scalar",
                 ni_isa_name(isa.isa), nt::type_name(type));
    }
}

void check_products(const ni::kernel_table& ref, const ni::kernel_table& isa, nt::rng& r) {
    for (int type : nt::kWeightTypes) {
        const int act = nt::activation_type(type);
        const int bs = nt::block_size(type) > 1 ? nt::block_size(type) : 32;
        for (int64_t k : {(int64_t)bs * 8, (int64_t)bs * 9, (int64_t)1408 / bs * bs, (int64_t)2048}) {
            if (k % nt::block_size(type) || k % nt::block_size(act)) continue;
            for (int64_t rows : {1, 5, 17, 67}) {
                for (int64_t toks : {1, 3, 8, 33}) {
                    const size_t x_row = nt::row_size(act, k);
                    const nt::weight_rows w = nt::make_weight_rows(r, type, rows, k, 0.05f);
                    std::vector<float> xf = nt::make_data(r, (size_t)(toks * k));
                    std::vector<uint8_t> xq(x_row * toks);
                    for (int64_t i = 0; i < toks; ++i) ref.types[act].quantize_row(&xf[i * k], &xq[i * x_row], k);
                    std::vector<float> xd((size_t)(toks * k));
                    for (int64_t i = 0; i < toks; ++i) ref.types[act].dequantize_row(&xq[i * x_row], &xd[i * k], k);

                    const double worst = nt::isa_vs_scalar_error(ref.types[type], isa.types[type], k, w.q.data(), w.row_bytes, rows,
                                                                 xf.data(), toks, w.f.data(), xd.data());
                    NT_CHECK(worst <= nt::product_tolerance(type), "%s %s %s k=%lld rows=%lld tokens=%lld: max |Δ|/Σ|wx| = %.3g",
                             ni_isa_name(isa.isa), toks == 1 ? "gemv" : "gemm", nt::type_name(type), (long long)k,
                             (long long)rows, (long long)toks, worst);
                }
            }
        }
    }
}

void check_rows_axpy(const ni::kernel_table& ref, const ni::kernel_table& isa, nt::rng& r) {
    for (int type : nt::kWeightTypes) {
        const int64_t k = nt::block_size(type) == 256 ? 512 : 320, rows = 13, cols = 3;
        const nt::weight_rows w = nt::make_weight_rows(r, type, rows, k, 0.1f);
        const std::vector<float>& wd = w.f;
        std::vector<float> x = nt::make_data(r, (size_t)(cols * rows));
        std::vector<float> a((size_t)(cols * k), 0.5f), b = a;
        ref.types[type].rows_axpy(k, w.q.data(), w.row_bytes, rows, x.data(), rows, cols, a.data(), k);
        isa.types[type].rows_axpy(k, w.q.data(), w.row_bytes, rows, x.data(), rows, cols, b.data(), k);
        double worst = 0;
        for (int64_t c = 0; c < cols; ++c)
            for (int64_t i = 0; i < k; ++i) {
                double abs = 0.5;
                for (int64_t j = 0; j < rows; ++j) abs += std::fabs((double)x[c * rows + j] * wd[j * k + i]);
                worst = std::max(worst, std::fabs((double)a[c * k + i] - b[c * k + i]) / abs);
            }
        NT_CHECK(worst <= 2e-6, "%s rows_axpy %s: max |Δ|/Σ|xw| = %.3g", ni_isa_name(isa.isa), nt::type_name(type), worst);
    }
}

void check_silu(const ni::kernel_table& ref, const ni::kernel_table& isa, nt::rng& r) {
    const int64_t n = 1000;
    std::vector<float> g = nt::make_data(r, n, 4.0f), u = nt::make_data(r, n);
    g[0] = 90.0f; g[1] = -90.0f; g[2] = 0.0f;  // saturation and zero
    std::vector<float> a = g, b = g;
    ref.silu_mul(a.data(), u.data(), n);
    isa.silu_mul(b.data(), u.data(), n);
    double worst = 0;
    for (int64_t i = 0; i < n; ++i) worst = std::max(worst, std::fabs((double)a[i] - b[i]) / (std::fabs((double)a[i]) + 1e-30));
    NT_CHECK(worst <= 4e-6, "%s silu_mul: max relative error %.3g", ni_isa_name(isa.isa), worst);
}

}  // namespace

int main() {
    const ni::kernel_table& ref = ni::kernels_for(NI_ISA_SCALAR);
    for (int isa : nt::supported_isas()) {
        nt::rng r(1234 + isa);
        const ni::kernel_table& t = ni::kernels_for(isa);
        std::printf("checking %s against scalar\n", ni_isa_name(isa));
        check_quantizers(ref, t, r);
        check_dequantizers(ref, t, r);
        check_products(ref, t, r);
        check_rows_axpy(ref, t, r);
        check_silu(ref, t, r);
    }
    return nt::finish("test_kernels_vs_scalar");
}
