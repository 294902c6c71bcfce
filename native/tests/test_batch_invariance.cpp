// Results independent of batching: for every weight type the type table registers and every ISA,
// the output for (row, token) must be bit-identical however many tokens share the call and wherever
// the token and the row sit in the GEMM tiles. The reference of each (row, token) is the call with
// that token alone (N = 1, the decode GEMV); every other call is compared to it bit for bit:
//   ni_matmul                  N = 1..17 tokens from two different starting tokens, and N = 5, 17
//                              with the weight rows shifted by 1 and 3 (a row moves within a tile)
//   ni_matmul_strided_batched  both modes, 2 batches sharing W, N = 1..17
//   ni_moe_experts             2..17 tokens routed so each expert sees a different token mix
// A seeded chat reply must not depend on how many prompt tokens were prefilled together.
// Types come from ni_type_get_info over every id, so formats added later are covered too; one
// without a quantizer gets random bytes (then NaN == NaN counts as equal).
#include <cstring>

#include "test_common.h"

namespace {

constexpr int kTokens = 17, kRows = 7;

struct weight_type {
    ni_type_info info;
    int64_t k;  // columns: block tails and partial chunks of every kernel family
};

std::vector<weight_type> weight_types() {
    std::vector<weight_type> types;
    for (int id = 0; id < 256; ++id) {
        ni_type_info info;
        if (ni_type_get_info(id, &info) != NI_OK || !info.is_weight_type) continue;
        // block 1: a tail after the 32-value steps; 32: one 16-block chunk and 5 blocks (a partial
        // quad); larger blocks: three of them.
        const int64_t k = info.block_size == 1 ? 100 : info.block_size == 32 ? 32 * 21 : 3 * (int64_t)info.block_size;
        types.push_back({info, k});
    }
    return types;
}

bool same_bits(float a, float b) {
    uint32_t ua, ub;
    std::memcpy(&ua, &a, 4);
    std::memcpy(&ub, &b, 4);
    return ua == ub || (std::isnan(a) && std::isnan(b));
}

// rows × row bytes of weights in `type`: quantized from Gaussian data, or random bytes for a type
// the library cannot quantize.
std::vector<uint8_t> make_weights(ni_pool* pool, const weight_type& t, int64_t rows, nt::rng& r) {
    const size_t row = nt::row_size(t.info.type, t.k);
    std::vector<uint8_t> w(row * (size_t)rows + 64);
    std::vector<float> src = nt::make_data(r, (size_t)(rows * t.k), 0.05f);
    if (ni_quantize_rows(pool, t.info.type, w.data(), row, src.data(), t.k * 4, rows, t.k) != NI_OK)
        for (auto& b : w) b = (uint8_t)r.next();
    return w;
}

// Compares got[i][0..cols) to ref[token_of(i)][0..cols) for `n` output rows.
template <typename TokenOf>
int count_mismatches(const float* got, size_t got_stride, const std::vector<float>& ref, size_t ref_stride, int64_t n, int64_t cols,
                     TokenOf token_of) {
    int bad = 0;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < cols; ++c)
            bad += !same_bits(got[(size_t)i * got_stride + (size_t)c], ref[(size_t)token_of(i) * ref_stride + (size_t)c]);
    return bad;
}

void check_matmul(ni_pool* pool, const char* isa, const weight_type& t, nt::rng& r) {
    const int type = t.info.type;
    const int64_t k = t.k;
    const size_t row = nt::row_size(type, k);
    const std::vector<uint8_t> w = make_weights(pool, t, kRows, r);
    const std::vector<float> x = nt::make_data(r, (size_t)(kTokens * k));
    // Reference: every token alone.
    std::vector<float> ref((size_t)(kTokens * kRows));
    for (int tok = 0; tok < kTokens; ++tok)
        NT_CHECK_OK(ni_matmul(pool, type, w.data(), row, &x[(size_t)(tok * k)], k * 4, &ref[(size_t)(tok * kRows)], kRows * 4, 1, kRows, k));

    std::vector<float> xs((size_t)(kTokens * k)), y((size_t)(kTokens * kRows));
    auto run = [&](int64_t n, int start, int64_t row0) {
        // Tokens start, start + 1, … (mod 17): each token lands at another position of the tiles.
        for (int64_t i = 0; i < n; ++i) std::memcpy(&xs[(size_t)(i * k)], &x[(size_t)(((start + i) % kTokens) * k)], (size_t)k * 4);
        const int64_t m = kRows - row0;
        std::fill(y.begin(), y.end(), NAN);
        NT_CHECK_OK(ni_matmul(pool, type, w.data() + (size_t)row0 * row, row, xs.data(), k * 4, y.data(), m * 4, n, m, k));
        int bad = 0;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t rr = 0; rr < m; ++rr)
                bad += !same_bits(y[(size_t)(i * m + rr)], ref[(size_t)(((start + i) % kTokens) * kRows + row0 + rr)]);
        NT_CHECK(bad == 0, "%s %s ni_matmul N=%lld (first token %d, rows from %lld): %d of %lld outputs differ from the token alone",
                 isa, t.info.name, (long long)n, start, (long long)row0, bad, (long long)(n * m));
    };
    for (int64_t n = 1; n <= kTokens; ++n) {
        run(n, 0, 0);
        run(n, 5, 0);
    }
    for (int64_t n : {5, 17})
        for (int64_t row0 : {1, 3}) run(n, 2, row0);
}

void check_batched(ni_pool* pool, const char* isa, const weight_type& t, nt::rng& r) {
    const int type = t.info.type;
    const int64_t k = t.k, batch = 2;
    const size_t row = nt::row_size(type, k);
    const std::vector<uint8_t> w = make_weights(pool, t, kRows, r);
    // W_TRANSPOSED: Y[n][m] = X[n][k]·Wᵀ; W_ROWS: Y[n][k] = X[n][m]·W with X rows of kRows values.
    for (int mode : {NI_MATMUL_W_TRANSPOSED, NI_MATMUL_W_ROWS}) {
        const int64_t x_cols = mode == NI_MATMUL_W_ROWS ? kRows : k, y_cols = mode == NI_MATMUL_W_ROWS ? k : kRows;
        const std::vector<float> x = nt::make_data(r, (size_t)(batch * kTokens * x_cols));
        const size_t x_row = (size_t)x_cols * 4, y_row = (size_t)y_cols * 4;
        std::vector<float> ref((size_t)(batch * kTokens * y_cols));
        for (int64_t tok = 0; tok < batch * kTokens; ++tok)
            NT_CHECK_OK(ni_matmul_strided_batched(pool, mode, type, w.data(), row, 0, &x[(size_t)(tok * x_cols)], x_row, 0,
                                                  &ref[(size_t)(tok * y_cols)], y_row, 0, 1, 1, kRows, k));
        std::vector<float> y((size_t)(batch * kTokens * y_cols));
        for (int64_t n = 1; n <= kTokens; ++n) {
            // Batch b reads tokens b·17 + 0..n−1 in place (x_batch_stride = 17 rows).
            std::fill(y.begin(), y.end(), NAN);
            NT_CHECK_OK(ni_matmul_strided_batched(pool, mode, type, w.data(), row, 0, x.data(), x_row, x_row * kTokens, y.data(), y_row,
                                                  y_row * (size_t)n, batch, n, kRows, k));
            const int bad = count_mismatches(y.data(), (size_t)y_cols, ref, (size_t)y_cols, batch * n, y_cols,
                                             [&](int64_t i) { return (i / n) * kTokens + i % n; });
            NT_CHECK(bad == 0, "%s %s ni_matmul_strided_batched %s N=%lld: %d outputs differ from the token alone", isa, t.info.name,
                     mode == NI_MATMUL_W_ROWS ? "W_ROWS" : "W_TRANSPOSED", (long long)n, bad);
        }
    }
}

void check_moe(ni_pool* pool, const char* isa, const weight_type& t, nt::rng& r) {
    const int type = t.info.type;
    const int64_t hidden = t.k, ffn = t.k, n_experts = 4, top_k = 2;  // hidden = ffn: every stack has rows of t.k values
    const std::vector<uint8_t> gate = make_weights(pool, t, n_experts * ffn, r), up = make_weights(pool, t, n_experts * ffn, r),
                               down = make_weights(pool, t, n_experts * hidden, r);
    const ni_moe_weights W{gate.data(), up.data(), down.data(), type, type, type, 0, n_experts, hidden, ffn};
    const std::vector<float> x = nt::make_data(r, (size_t)(kTokens * hidden));
    std::vector<int32_t> ids((size_t)(kTokens * top_k));
    std::vector<float> wts((size_t)(kTokens * top_k));
    for (int tok = 0; tok < kTokens; ++tok) {
        const int32_t e0 = (int32_t)(r.next() % n_experts);
        ids[(size_t)(tok * top_k)] = e0;
        ids[(size_t)(tok * top_k + 1)] = (int32_t)((e0 + 1 + r.next() % (n_experts - 1)) % n_experts);
        wts[(size_t)(tok * top_k)] = 0.2f + r.uniform();
        wts[(size_t)(tok * top_k + 1)] = 0.2f + r.uniform();
    }
    std::vector<float> ref((size_t)(kTokens * hidden));
    for (int tok = 0; tok < kTokens; ++tok)
        NT_CHECK_OK(ni_moe_experts(pool, &W, &x[(size_t)(tok * hidden)], hidden * 4, &ids[(size_t)(tok * top_k)], &wts[(size_t)(tok * top_k)],
                                   1, top_k, &ref[(size_t)(tok * hidden)], hidden * 4, 0));
    std::vector<float> out((size_t)(kTokens * hidden));
    for (int64_t n : {2, 5, 9, 17}) {
        for (int64_t start : {(int64_t)0, (int64_t)kTokens - n}) {
            std::fill(out.begin(), out.end(), NAN);
            NT_CHECK_OK(ni_moe_experts(pool, &W, &x[(size_t)(start * hidden)], hidden * 4, &ids[(size_t)(start * top_k)],
                                       &wts[(size_t)(start * top_k)], n, top_k, out.data(), hidden * 4, 0));
            const int bad = count_mismatches(out.data(), (size_t)hidden, ref, (size_t)hidden, n, hidden, [&](int64_t i) { return start + i; });
            NT_CHECK(bad == 0, "%s %s ni_moe_experts %lld tokens from %lld: %d outputs differ from the token alone", isa, t.info.name,
                     (long long)n, (long long)start, bad);
        }
    }
}

}  // namespace

int main() {
    const std::vector<weight_type> types = weight_types();
    for (int isa : nt::supported_isas()) {
        nt::pool pool(2, isa);
        nt::rng r(4242 + isa);
        std::printf("%s:", ni_isa_name(isa));
        for (const weight_type& t : types) {
            std::printf(" %s", t.info.name);
            std::fflush(stdout);
            check_matmul(pool, ni_isa_name(isa), t, r);
            check_batched(pool, ni_isa_name(isa), t, r);
            check_moe(pool, ni_isa_name(isa), t, r);
        }
        std::printf("\n");
    }
    return nt::finish("test_batch_invariance");
}
