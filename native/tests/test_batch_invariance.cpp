// Batch invariance: on every ISA, the product of weight row r and token c must be bit-identical
// whether the GEMV computes it (one token) or a GEMM tile does (N tokens, at any position of the
// tile, the rows starting at any offset). Each (row, token) output must follow one fixed sequence of
// operations, so a token's result does not depend on which other tokens share its batch (prefill vs
// decode, MoE experts with one or many tokens).
#include <cstring>

#include "dispatch/kernels.h"
#include "test_common.h"

namespace {

// Types whose kernels this file checks.
constexpr int kCheckedTypes[] = {NI_TYPE_Q4_1, NI_TYPE_Q5_0, NI_TYPE_Q5_1, NI_TYPE_IQ4_NL,
                                 NI_TYPE_Q2_K, NI_TYPE_Q3_K, NI_TYPE_Q5_K, NI_TYPE_IQ4_XS};

void check_type(const ni::kernel_table& t, int type, nt::rng& r) {
    const ni::type_kernels& k = t.types[type];
    const int bs = nt::block_size(type);
    for (int64_t K : {(int64_t)bs, (int64_t)bs * 3, bs == 32 ? (int64_t)1408 : (int64_t)2048}) {
        const int64_t rows = 11, max_toks = 13;
        const size_t w_row = nt::row_size(type, K), x_stride = (k.act_bytes(K) + 63) / 64 * 64;
        std::vector<float> wf = nt::make_data(r, (size_t)(rows * K), 0.05f), xf = nt::make_data(r, (size_t)(max_toks * K));
        std::vector<uint8_t> w(w_row * rows), xbuf(x_stride * max_toks + 64);
        uint8_t* x = xbuf.data() + (64 - reinterpret_cast<uintptr_t>(xbuf.data()) % 64) % 64;
        for (int64_t i = 0; i < rows; ++i) ni::kernels_for(NI_ISA_SCALAR).types[type].quantize_row(&wf[i * K], &w[i * w_row], K);
        for (int64_t c = 0; c < max_toks; ++c) k.prepare_act(&xf[c * K], x + c * x_stride, K);

        // One row, one token at a time.
        std::vector<float> single((size_t)(rows * max_toks));
        for (int64_t c = 0; c < max_toks; ++c)
            for (int64_t i = 0; i < rows; ++i) k.gemv(K, &w[i * w_row], w_row, 1, x + c * x_stride, &single[c * rows + i]);
        int bad = 0;
        for (int64_t n : {2, 3, 4, 5, 7, 8, 13}) {
            for (int64_t first_row : {0, 1, 3}) {
                for (int64_t first_tok : {0, 1}) {
                    if (first_tok + n > max_toks) continue;
                    const int64_t m = rows - first_row;
                    std::vector<float> y((size_t)(n * m), NAN);
                    k.gemm(K, &w[first_row * w_row], w_row, m, x + first_tok * x_stride, x_stride, n, y.data(), m);
                    for (int64_t c = 0; c < n; ++c)
                        for (int64_t i = 0; i < m; ++i)
                            if (std::memcmp(&y[c * m + i], &single[(first_tok + c) * rows + first_row + i], 4) != 0) ++bad;
                }
            }
            // The GEMV over all rows too.
            std::vector<float> y((size_t)rows, NAN);
            k.gemv(K, w.data(), w_row, rows, x + n * x_stride - x_stride, y.data());
            for (int64_t i = 0; i < rows; ++i)
                if (std::memcmp(&y[i], &single[(n - 1) * rows + i], 4) != 0) ++bad;
        }
        NT_CHECK(bad == 0, "%s %s K=%lld: %d outputs differ between the GEMV and GEMM tiles", ni_isa_name(t.isa), nt::type_name(type),
                 (long long)K, bad);
    }
}

}  // namespace

int main() {
    for (int isa : nt::supported_isas()) {
        nt::rng r(555 + isa);
        const ni::kernel_table& t = ni::kernels_for(isa);
        std::printf("checking %s\n", ni_isa_name(isa));
        for (int type : kCheckedTypes) check_type(t, type, r);
    }
    return nt::finish("test_batch_invariance");
}
