// ni_matmul_strided_batched in both modes, every weight type, every ISA, against float64:
//   W_ROWS:       Y[n][k] = Σ_m X[n][m]·W[m][k] with exact dequantized W and f32 X: only float32
//                 accumulation differs, |Δ| ≤ 2e-6·Σ|x·w|.
//   W_TRANSPOSED: as ni_matmul; must equal ni_matmul on each batch's operands bit for bit (the same
//                 kernels), which test_matmul checks against float64.
// Strided operands (row padding, per-batch strides, a stride of 0 sharing W across the batch),
// awkward sizes, and bit-identical results for 1 and 3 threads.
#include <cstring>

#include "test_common.h"
#include "weight_rows.h"

namespace {

struct shape {
    int64_t batch, n, m, k;
    size_t w_pad_rows;  // extra rows between batches of W
    bool shared_w;      // w_batch_stride = 0
};

void check_rows_mode(int isa, int type, const shape& s, nt::rng& r) {
    nt::pool pool(2, isa);
    const size_t w_row = nt::row_size(type, s.k), w_stride = w_row + 8;  // padded rows (strides must keep the type's alignment)
    const size_t w_batch = s.shared_w ? 0 : (size_t)(s.m + s.w_pad_rows) * w_stride;
    const int64_t w_batches = s.shared_w ? 1 : s.batch;
    std::vector<uint8_t> w((size_t)w_batches * (size_t)(s.m + s.w_pad_rows) * w_stride + 64, 0xAB);
    std::vector<float> wd((size_t)(w_batches * s.m * s.k));
    for (int64_t b = 0; b < w_batches; ++b) {
        const nt::weight_rows src = nt::make_weight_rows(r, type, s.m, s.k, 0.1f);
        for (int64_t i = 0; i < s.m; ++i) std::memcpy(w.data() + b * w_batch + i * w_stride, src.row(i), w_row);
        std::memcpy(&wd[(size_t)(b * s.m * s.k)], src.f.data(), src.f.size() * 4);
    }
    const size_t x_stride = (size_t)(s.m + 3) * 4, x_batch = x_stride * (size_t)s.n + 16;
    std::vector<float> x((x_batch / 4) * (size_t)s.batch + 64);
    for (auto& v : x) v = r.symmetric();
    const size_t y_stride = (size_t)(s.k + 5) * 4, y_batch = y_stride * (size_t)s.n + 32;
    std::vector<float> y((y_batch / 4) * (size_t)s.batch, -3.0f);
    NT_CHECK_OK(ni_matmul_strided_batched(pool, NI_MATMUL_W_ROWS, type, w.data(), w_stride, w_batch, x.data(), x_stride, x_batch,
                                          y.data(), y_stride, y_batch, s.batch, s.n, s.m, s.k));
    double worst = 0;
    for (int64_t b = 0; b < s.batch; ++b)
        for (int64_t c = 0; c < s.n; ++c)
            for (int64_t kk = 0; kk < s.k; ++kk) {
                double exact = 0, abs = 0;
                for (int64_t i = 0; i < s.m; ++i) {
                    const double xv = x[(b * x_batch + c * x_stride) / 4 + (size_t)i];
                    const double wv = wd[(size_t)(((s.shared_w ? 0 : b) * s.m + i) * s.k + kk)];
                    exact += xv * wv;
                    abs += std::fabs(xv * wv);
                }
                const double got = y[(b * y_batch + c * y_stride) / 4 + (size_t)kk];
                worst = std::max(worst, std::isnan(got) ? INFINITY : std::fabs(got - exact) / (abs + 1e-30));
            }
    NT_CHECK(worst <= 2e-6, "%s W_ROWS %s batch=%lld n=%lld m=%lld k=%lld: |Δ|/Σ|xw| = %.3g", ni_isa_name(isa), nt::type_name(type),
             (long long)s.batch, (long long)s.n, (long long)s.m, (long long)s.k, worst);
    // Padding between output rows and batches is untouched.
    bool pad_ok = true;
    for (int64_t b = 0; b < s.batch; ++b)
        for (int64_t c = 0; c < s.n; ++c)
            for (size_t p = (size_t)s.k; p < y_stride / 4; ++p) pad_ok &= y[(b * y_batch + c * y_stride) / 4 + p] == -3.0f;
    NT_CHECK(pad_ok, "%s W_ROWS %s wrote into output padding", ni_isa_name(isa), nt::type_name(type));
    for (int threads : {1, 3}) {
        nt::pool other(threads, isa);
        std::vector<float> y2(y.size(), -3.0f);
        NT_CHECK_OK(ni_matmul_strided_batched(other, NI_MATMUL_W_ROWS, type, w.data(), w_stride, w_batch, x.data(), x_stride, x_batch,
                                              y2.data(), y_stride, y_batch, s.batch, s.n, s.m, s.k));
        NT_CHECK(std::memcmp(y.data(), y2.data(), y.size() * 4) == 0, "%s W_ROWS %s: %d threads differ", ni_isa_name(isa), nt::type_name(type), threads);
    }
}

void check_transposed_mode(int isa, int type, const shape& s, nt::rng& r) {
    nt::pool pool(2, isa);
    const size_t w_row = nt::row_size(type, s.k), w_stride = w_row + 4;
    const size_t w_batch = s.shared_w ? 0 : (size_t)(s.m + s.w_pad_rows) * w_stride;
    const int64_t w_batches = s.shared_w ? 1 : s.batch;
    std::vector<uint8_t> w((size_t)w_batches * (size_t)(s.m + s.w_pad_rows) * w_stride + 64);
    for (int64_t b = 0; b < w_batches; ++b) {
        const nt::weight_rows src = nt::make_weight_rows(r, type, s.m, s.k, 0.1f);
        for (int64_t i = 0; i < s.m; ++i) std::memcpy(w.data() + b * w_batch + i * w_stride, src.row(i), w_row);
    }
    const size_t x_stride = (size_t)(s.k + 1) * 4, x_batch = x_stride * (size_t)s.n + 8;
    std::vector<float> x((x_batch / 4) * (size_t)s.batch + 64);
    for (auto& v : x) v = r.symmetric();
    const size_t y_stride = (size_t)(s.m + 2) * 4, y_batch = y_stride * (size_t)s.n;
    std::vector<float> y((y_batch / 4) * (size_t)s.batch);
    NT_CHECK_OK(ni_matmul_strided_batched(pool, NI_MATMUL_W_TRANSPOSED, type, w.data(), w_stride, w_batch, x.data(), x_stride, x_batch,
                                          y.data(), y_stride, y_batch, s.batch, s.n, s.m, s.k));
    bool same = true;
    for (int64_t b = 0; b < s.batch; ++b) {
        std::vector<float> ref((size_t)(s.n * s.m));
        NT_CHECK_OK(ni_matmul(pool, type, w.data() + b * w_batch, w_stride, x.data() + b * x_batch / 4, x_stride, ref.data(), s.m * 4,
                              s.n, s.m, s.k));
        for (int64_t c = 0; c < s.n; ++c)
            same &= std::memcmp(&ref[(size_t)(c * s.m)], &y[(b * y_batch + c * y_stride) / 4], (size_t)s.m * 4) == 0;
    }
    NT_CHECK(same, "%s W_TRANSPOSED %s batch=%lld n=%lld: differs from ni_matmul per batch", ni_isa_name(isa), nt::type_name(type),
             (long long)s.batch, (long long)s.n);
}

// Heads side by side in each token row, as the MLA operator lays out q and the outputs: batch b's
// X and Y rows interleave with the other batches'.
void check_interleaved(int isa, nt::rng& r) {
    nt::pool pool(2, isa);
    const int64_t heads = 4, n = 3, m = 40, k = 64;  // W_ROWS: Y[t][h][0..k) = Σ_i X[t][h][i]·W_h[i][..]
    const size_t w_row = (size_t)k * 4;
    std::vector<float> w((size_t)(heads * m * k)), x((size_t)(n * heads * m)), y((size_t)(n * heads * k), NAN);
    for (auto& v : w) v = r.symmetric();
    for (auto& v : x) v = r.symmetric();
    NT_CHECK_OK(ni_matmul_strided_batched(pool, NI_MATMUL_W_ROWS, NI_TYPE_F32, w.data(), w_row, w_row * m, x.data(), heads * m * 4, m * 4,
                                          y.data(), heads * k * 4, k * 4, heads, n, m, k));
    double worst = 0;
    for (int64_t t = 0; t < n; ++t)
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t j = 0; j < k; ++j) {
                double e = 0, a = 0;
                for (int64_t i = 0; i < m; ++i) {
                    const double p = (double)x[(size_t)((t * heads + h) * m + i)] * w[(size_t)((h * m + i) * k + j)];
                    e += p;
                    a += std::fabs(p);
                }
                worst = std::max(worst, std::fabs(y[(size_t)((t * heads + h) * k + j)] - e) / a);
            }
    NT_CHECK(worst <= 2e-6, "%s interleaved W_ROWS: %.3g", ni_isa_name(isa), worst);
}

void check_errors() {
    nt::pool pool(1, NI_ISA_AUTO);
    float x[64] = {}, y[64] = {};
    uint8_t w[256] = {};
    ni_status st = ni_matmul_strided_batched(pool, 7, NI_TYPE_F32, w, 128, 0, x, 128, 0, y, 4, 4, 2, 1, 1, 32);
    NT_CHECK(st == NI_ERR_INVALID_ARGUMENT && std::strstr(ni_last_error(), "unknown mode 7"), "bad mode: %s", ni_last_error());
    st = ni_matmul_strided_batched(pool, NI_MATMUL_W_ROWS, NI_TYPE_F32, w, 128, 0, x, 128, 0, y, 128, 0, 2, 1, 1, 32);
    NT_CHECK(st == NI_ERR_INVALID_ARGUMENT && std::strstr(ni_last_error(), "write one output twice"), "shared y: %s", ni_last_error());
    st = ni_matmul_strided_batched(pool, NI_MATMUL_W_ROWS, NI_TYPE_Q4_K, w, 144, 0, x, 4, 0, y, 1024, 0, 1, 1, 1, 100);
    NT_CHECK(st == NI_ERR_SHAPE, "K-quant with k=100: %s", ni_last_error());
    st = ni_matmul_strided_batched(pool, NI_MATMUL_W_ROWS, NI_TYPE_F32, w, 128, 0, x, 128, 0, y, 128, 0, 0, 1, 1, 32);
    NT_CHECK(st == NI_ERR_INVALID_ARGUMENT && std::strstr(ni_last_error(), "batch must be > 0"), "batch 0: %s", ni_last_error());
    // Typed data keeps its natural alignment: rows and batches of f32 4 bytes apart, of Q8_0 (fp16 scales) 2.
    st = ni_matmul_strided_batched(pool, NI_MATMUL_W_ROWS, NI_TYPE_Q8_0, w, 34, 35, x, 4, 0, y, 128, 128, 2, 1, 1, 32);
    NT_CHECK(st == NI_ERR_INVALID_ARGUMENT && std::strstr(ni_last_error(), "w_batch_stride = 35 bytes is not a multiple of 2"),
             "odd Q8_0 batch stride: %s", ni_last_error());
    st = ni_matmul_strided_batched(pool, NI_MATMUL_W_TRANSPOSED, NI_TYPE_F32, w + 2, 128, 0, x, 128, 0, y, 4, 4, 1, 1, 1, 32);
    NT_CHECK(st == NI_ERR_INVALID_ARGUMENT && std::strstr(ni_last_error(), "is not 4-byte aligned"), "f32 w at +2: %s", ni_last_error());
    st = ni_matmul_strided_batched(pool, NI_MATMUL_W_TRANSPOSED, NI_TYPE_F16, w, 66, 0, x, 128, 0, y, 4, 4, 1, 1, 1, 32);
    NT_CHECK(st == NI_OK, "f16 rows 66 bytes apart keep their 2-byte alignment: %s", ni_last_error());
}

// The SIMD W_ROWS loops (AVX2, AVX-512) sum every element in row order with one FMA per term on the
// exactly dequantized weight, so their outputs are bit-identical: a model's MLA absorption gives the
// same numbers whichever of them the CPU picks.
void check_rows_same_on_fma_isas(nt::rng& r) {
    ni_cpu_info info;
    ni_cpu_get_info(&info);
    if (info.best_isa <= NI_ISA_AVX2) return;
    for (int type : nt::kWeightTypes) {
        const int64_t bs = nt::block_size(type) == 256 ? 256 : 32;
        for (const int64_t n : {1, 2, 3, 5}) {
            const int64_t m = 45, k = bs == 1 ? 83 : 3 * bs;
            const nt::weight_rows src = nt::make_weight_rows(r, type, m, k, 0.1f);
            const size_t w_row = nt::row_size(type, k);
            std::vector<uint8_t> w((size_t)m * w_row);
            for (int64_t i = 0; i < m; ++i) std::memcpy(w.data() + i * w_row, src.row(i), w_row);
            std::vector<float> x((size_t)(n * m));
            for (auto& v : x) v = r.symmetric();
            std::vector<float> expected;
            for (int isa = NI_ISA_AVX2; isa <= info.best_isa; ++isa) {
                nt::pool pool(2, isa);
                std::vector<float> y((size_t)(n * k), 0.25f);
                NT_CHECK_OK(ni_matmul_strided_batched(pool, NI_MATMUL_W_ROWS, type, w.data(), w_row, 0, x.data(), (size_t)m * 4, 0,
                                                      y.data(), (size_t)k * 4, 0, 1, n, m, k));
                if (isa == NI_ISA_AVX2) expected = y;
                else
                    NT_CHECK(std::memcmp(y.data(), expected.data(), y.size() * 4) == 0, "W_ROWS %s n=%lld: %s differs from avx2",
                             nt::type_name(type), (long long)n, ni_isa_name(isa));
            }
        }
    }
}

}  // namespace

int main() {
    check_errors();
    {
        nt::rng r(5);
        check_rows_same_on_fma_isas(r);
    }
    for (int isa : nt::supported_isas()) {
        nt::rng r(77 + isa);
        check_interleaved(isa, r);
        for (int type : nt::kWeightTypes) {
            const int64_t bs = nt::block_size(type) == 256 ? 256 : 32;
            const shape shapes[] = {
                {3, 1, 37, 2 * bs, 2, false},       // MLA absorption: one query per head
                {2, 5, 130, 4 * bs + (bs == 256 ? 0 : 32), 0, false},
                {4, 16, 9, bs * 3, 1, true},        // one weight shared by every batch
                {1, 3, 300, bs == 256 ? 512 : 576, 0, false},  // attention P·V over a cache row of 576
                {2, 6, 50, nt::block_size(type) == 1 ? 27 : bs, 0, false},  // float rows: 16- and 8-wide blocks, a tail; 4 + 2 outputs
            };
            for (const shape& s : shapes) {
                check_rows_mode(isa, type, s, r);
                check_transposed_mode(isa, type, s, r);
            }
        }
    }
    return nt::finish("test_matmul_batched");
}
