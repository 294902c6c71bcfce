// ni_moe_experts against two references, on every ISA:
//  (a) composition: the same layer computed one (token, expert) pair at a time with ni_matmul
//      (itself checked against float64 in test_matmul) and silu in float64. The kernel differs only
//      in its silu (a few ulp) and in the order of the slot sum; a few ulp in h can flip the
//      rounding of single h values in the down projection's activation quantization, each flip
//      moving the output by ≤ |W_down|·amax(h)/127 — about 1e-4 of S = Σ_j |w_j| Σ_r |W_down·h_j|
//      at these widths. Tolerance: 1e-3·S (a wrong expert or slot is off by ~S).
//  (b) float64 end to end from the original f32 x. Quantizing x perturbs both g and u (relative
//      error e_x each, so about √2·e_x in their product), and quantizing h adds e_h, with e the
//      per-format round-trip bounds of test_quant_formats: relative L2 ≤ 1.25·(√2·e_x + e_h).
// Also: NI_MOE_ACCUMULATE adds onto out, results are bit-identical for 1 and 2 threads, and rows
// not divisible by the tile sizes (ffn = 352 = 5.5 × 64, as DeepSeek-V2-Lite's 1408 = 5.5 × 256).
// For weight types whose kernels are batch invariant (test_batch_invariance), each token's output
// is bit-identical whether it runs alone or grouped with the others.
#include <cstring>

#include "test_common.h"
#include "weight_rows.h"

namespace {

struct moe_case {
    int gate_type, up_type, down_type;
    int64_t n_experts, hidden, ffn, n_tokens, top_k;
    bool one_expert = false;  // every slot of every token routes to expert 1: a group of T·top_k entries
};

struct expert_set {
    std::vector<uint8_t> gate, up, down;       // stacked, GGUF layout
    std::vector<float> gate_f, up_f, down_f;   // dequantized
    size_t gate_row, up_row, down_row;
};

expert_set make_experts(const moe_case& c, nt::rng& r) {
    expert_set s;
    s.gate_row = nt::row_size(c.gate_type, c.hidden);
    s.up_row = nt::row_size(c.up_type, c.hidden);
    s.down_row = nt::row_size(c.down_type, c.ffn);
    auto build = [&](int type, int64_t rows, int64_t cols, size_t row, std::vector<uint8_t>& q, std::vector<float>& f, float scale) {
        nt::weight_rows w = nt::make_weight_rows(r, type, rows, cols, scale);
        NT_CHECK(w.row_bytes == row, "row size of %s", nt::type_name(type));
        q = std::move(w.q);
        f = std::move(w.f);
    };
    build(c.gate_type, c.n_experts * c.ffn, c.hidden, s.gate_row, s.gate, s.gate_f, 0.06f);
    build(c.up_type, c.n_experts * c.ffn, c.hidden, s.up_row, s.up, s.up_f, 0.06f);
    build(c.down_type, c.n_experts * c.hidden, c.ffn, s.down_row, s.down, s.down_f, 0.05f);
    return s;
}

void run(const moe_case& c, int isa, nt::rng& r) {
    nt::pool pool(2, isa);
    expert_set s = make_experts(c, r);
    const int64_t T = c.n_tokens, K = c.top_k, H = c.hidden, F = c.ffn;
    std::vector<float> x = nt::make_data(r, (size_t)(T * H));
    std::vector<int32_t> ids((size_t)(T * K));
    std::vector<float> wts((size_t)(T * K));
    for (int64_t t = 0; t < T; ++t) {
        // Distinct experts per token, drawn at random; one token repeats an expert on purpose.
        std::vector<int32_t> pool_ids((size_t)c.n_experts);
        for (int64_t e = 0; e < c.n_experts; ++e) pool_ids[(size_t)e] = (int32_t)e;
        for (int64_t j = 0; j < K; ++j) {
            const size_t pick = (size_t)j + (size_t)(r.next() % (uint64_t)(c.n_experts - j));
            std::swap(pool_ids[(size_t)j], pool_ids[pick]);
            ids[(size_t)(t * K + j)] = pool_ids[(size_t)j];
            wts[(size_t)(t * K + j)] = 0.1f + r.uniform();
        }
        // One token names an expert twice (token 0 when it is alone: the group then outnumbers the tokens).
        if (t == (T > 1 ? 1 : 0) && K > 1) ids[(size_t)(t * K + 1)] = ids[(size_t)(t * K)];
        if (c.one_expert)
            for (int64_t j = 0; j < K; ++j) ids[(size_t)(t * K + j)] = 1;
    }
    ni_moe_weights W{s.gate.data(), s.up.data(), s.down.data(), c.gate_type, c.up_type, c.down_type, 0, c.n_experts, H, F};

    std::vector<float> out((size_t)(T * H), NAN);
    NT_CHECK_OK(ni_moe_experts(pool, &W, x.data(), H * 4, ids.data(), wts.data(), T, K, out.data(), H * 4, 0));

    // (a) composition through ni_matmul.
    std::vector<double> ref_a((size_t)(T * H), 0.0), scale_a((size_t)(T * H), 0.0), slot_abs((size_t)(T * H), 0.0);
    std::vector<float> g((size_t)F), u((size_t)F), h((size_t)F), y((size_t)H);
    for (int64_t t = 0; t < T; ++t) {
        for (int64_t j = 0; j < K; ++j) {
            const int32_t e = ids[(size_t)(t * K + j)];
            const double wj = wts[(size_t)(t * K + j)];
            NT_CHECK_OK(ni_matmul(pool, c.gate_type, s.gate.data() + (size_t)e * F * s.gate_row, s.gate_row, &x[(size_t)(t * H)], H * 4, g.data(), F * 4, 1, F, H));
            NT_CHECK_OK(ni_matmul(pool, c.up_type, s.up.data() + (size_t)e * F * s.up_row, s.up_row, &x[(size_t)(t * H)], H * 4, u.data(), F * 4, 1, F, H));
            for (int64_t f = 0; f < F; ++f) h[(size_t)f] = (float)((double)g[(size_t)f] / (1.0 + std::exp(-(double)g[(size_t)f])) * u[(size_t)f]);
            NT_CHECK_OK(ni_matmul(pool, c.down_type, s.down.data() + (size_t)e * H * s.down_row, s.down_row, h.data(), F * 4, y.data(), H * 4, 1, H, F));
            for (int64_t o = 0; o < H; ++o) {
                ref_a[(size_t)(t * H + o)] += wj * y[(size_t)o];
                slot_abs[(size_t)(t * H + o)] += std::fabs(wj * y[(size_t)o]);
                double sa = 0;
                for (int64_t f = 0; f < F; ++f) sa += std::fabs((double)s.down_f[(size_t)((e * H + o) * F + f)] * h[(size_t)f]);
                scale_a[(size_t)(t * H + o)] += std::fabs(wj) * sa;
            }
        }
    }
    double worst_a = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        const double rel = std::fabs(out[i] - ref_a[i]) / (scale_a[i] + 1e-30);
        worst_a = std::isnan(rel) ? INFINITY : std::max(worst_a, rel);
    }

    // (b) float64 end to end.
    double err2 = 0, ref2 = 0;
    for (int64_t t = 0; t < T; ++t) {
        std::vector<double> acc((size_t)H, 0.0);
        for (int64_t j = 0; j < K; ++j) {
            const int32_t e = ids[(size_t)(t * K + j)];
            std::vector<double> hd((size_t)F);
            for (int64_t f = 0; f < F; ++f) {
                double gd = 0, ud = 0;
                for (int64_t i = 0; i < H; ++i) {
                    gd += (double)s.gate_f[(size_t)((e * F + f) * H + i)] * x[(size_t)(t * H + i)];
                    ud += (double)s.up_f[(size_t)((e * F + f) * H + i)] * x[(size_t)(t * H + i)];
                }
                hd[(size_t)f] = gd / (1.0 + std::exp(-gd)) * ud;
            }
            for (int64_t o = 0; o < H; ++o) {
                double d = 0;
                for (int64_t f = 0; f < F; ++f) d += (double)s.down_f[(size_t)((e * H + o) * F + f)] * hd[(size_t)f];
                acc[(size_t)o] += wts[(size_t)(t * K + j)] * d;
            }
        }
        for (int64_t o = 0; o < H; ++o) {
            err2 += std::pow(out[(size_t)(t * H + o)] - acc[(size_t)o], 2);
            ref2 += acc[(size_t)o] * acc[(size_t)o];
        }
    }
    const double rel_l2 = std::sqrt(err2 / ref2);

    const char* label = ni_isa_name(isa);
    NT_CHECK(worst_a <= 1e-3, "%s moe %s/%s/%s E=%lld T=%lld k=%lld: |Δ|/S = %.3g vs the ni_matmul composition", label,
             nt::type_name(c.gate_type), nt::type_name(c.up_type), nt::type_name(c.down_type), (long long)c.n_experts,
             (long long)T, (long long)K, worst_a);
    const double e_x = std::max(nt::activation_rms_bound(nt::activation_type(c.gate_type)),
                                nt::activation_rms_bound(nt::activation_type(c.up_type)));
    const double l2_bound = 1.25 * (std::sqrt(2.0) * e_x + nt::activation_rms_bound(nt::activation_type(c.down_type)));
    NT_CHECK(rel_l2 <= l2_bound, "%s moe %s/%s/%s T=%lld: relative L2 error %.3g vs float64 (bound %.3g)", label,
             nt::type_name(c.gate_type), nt::type_name(c.up_type), nt::type_name(c.down_type), (long long)T, rel_l2, l2_bound);

    // Accumulate mode adds onto what is there.
    std::vector<float> acc_out((size_t)(T * H));
    for (size_t i = 0; i < acc_out.size(); ++i) acc_out[i] = (float)i * 0.001f;
    NT_CHECK_OK(ni_moe_experts(pool, &W, x.data(), H * 4, ids.data(), wts.data(), T, K, acc_out.data(), H * 4, NI_MOE_ACCUMULATE));
    // The kernel adds each slot onto the old value in turn, the check adds the finished sum: each
    // of the K + 1 float additions rounds by at most half an ulp of the running magnitude, bounded
    // by |prior| + Σ_j |w_j·y_j|.
    double worst_acc = 0;
    for (size_t i = 0; i < acc_out.size(); ++i) {
        const double prior = (float)i * 0.001f;
        const double unit = (std::fabs(prior) + slot_abs[i]) * 0x1p-24 + 1e-30;
        worst_acc = std::max(worst_acc, std::fabs((double)acc_out[i] - (prior + out[i])) / unit);
    }
    NT_CHECK(worst_acc <= (double)(K + 1), "%s moe accumulate: off by %.3g ulp of |prior| + Σ|w·y|", label, worst_acc);

    // Thread-count invariance.
    nt::pool one(1, isa);
    std::vector<float> out1((size_t)(T * H), NAN);
    NT_CHECK_OK(ni_moe_experts(one, &W, x.data(), H * 4, ids.data(), wts.data(), T, K, out1.data(), H * 4, 0));
    NT_CHECK(std::memcmp(out1.data(), out.data(), out.size() * 4) == 0, "%s moe T=%lld: 1 thread differs from 2 threads", label, (long long)T);

    // Batch invariance: every token alone.
    auto invariant = [](int type) {
        for (int t : {NI_TYPE_Q4_1, NI_TYPE_Q5_0, NI_TYPE_Q5_1, NI_TYPE_IQ4_NL, NI_TYPE_Q2_K, NI_TYPE_Q3_K, NI_TYPE_Q5_K, NI_TYPE_IQ4_XS})
            if (t == type) return true;
        return false;
    };
    if (T > 1 && invariant(c.gate_type) && invariant(c.up_type) && invariant(c.down_type)) {
        int differ = 0;
        std::vector<float> alone((size_t)H);
        for (int64_t t = 0; t < T; ++t) {
            NT_CHECK_OK(ni_moe_experts(pool, &W, &x[(size_t)(t * H)], H * 4, &ids[(size_t)(t * K)], &wts[(size_t)(t * K)], 1, K,
                                       alone.data(), H * 4, 0));
            differ += std::memcmp(alone.data(), &out[(size_t)(t * H)], (size_t)H * 4) != 0;
        }
        NT_CHECK(differ == 0, "%s moe %s/%s/%s T=%lld: %d tokens differ when run alone", label, nt::type_name(c.gate_type),
                 nt::type_name(c.up_type), nt::type_name(c.down_type), (long long)T, differ);
    }

    std::printf("  %-12s %s/%s/%s E=%-3lld H=%-4lld F=%-5lld T=%-3lld k=%lld: |Δ|/S %.2g, rel L2 vs f64 %.2g\n", label,
                nt::type_name(c.gate_type), nt::type_name(c.up_type), nt::type_name(c.down_type), (long long)c.n_experts,
                (long long)H, (long long)F, (long long)T, (long long)K, worst_a, rel_l2);
}

}  // namespace

int main() {
    // Token counts past the tile widths either way; NI_TEST_SMALL trims the float64 reference's work.
    const int64_t many = nt::small_shapes() ? 10 : 40, some = nt::small_shapes() ? 7 : 13;
    const moe_case cases[] = {
        {NI_TYPE_Q4_0, NI_TYPE_Q4_0, NI_TYPE_Q4_0, 8, 256, 352, 1, 2},
        {NI_TYPE_Q4_0, NI_TYPE_Q4_0, NI_TYPE_Q4_0, 8, 256, 352, some, 3},
        {NI_TYPE_Q4_0, NI_TYPE_Q8_0, NI_TYPE_Q4_K, 16, 256, 768, 1, 4},
        {NI_TYPE_Q4_0, NI_TYPE_Q8_0, NI_TYPE_Q4_K, 16, 256, 768, 9, 4},
        {NI_TYPE_Q8_0, NI_TYPE_Q8_0, NI_TYPE_Q8_0, 16, 512, 1408, 1, 6},
        {NI_TYPE_Q8_0, NI_TYPE_Q8_0, NI_TYPE_Q8_0, 16, 512, 1408, many, 6},
        {NI_TYPE_F16, NI_TYPE_BF16, NI_TYPE_Q6_K, 4, 256, 256, 5, 2},
        {NI_TYPE_Q4_K, NI_TYPE_Q6_K, NI_TYPE_F32, 4, 512, 96, 6, 1},
        // More entries in one expert's group than tokens in the call, across many row chunks.
        {NI_TYPE_Q8_0, NI_TYPE_Q8_0, NI_TYPE_Q8_0, 4, 256, 704, 3, 4, true},
        // i-quant experts, as the DeepSeek-V3/R1 GGUF downloads mix them (random valid blocks)
        {NI_TYPE_IQ2_XXS, NI_TYPE_IQ2_XS, NI_TYPE_IQ2_S, 8, 256, 512, 1, 2},
        {NI_TYPE_IQ2_XXS, NI_TYPE_IQ2_XS, NI_TYPE_IQ2_S, 8, 256, 512, 11, 3},
        {NI_TYPE_IQ1_S, NI_TYPE_IQ1_M, NI_TYPE_IQ3_XXS, 8, 512, 256, 1, 4},
        {NI_TYPE_IQ1_M, NI_TYPE_IQ1_S, NI_TYPE_IQ3_S, 8, 256, 768, 7, 4},
        {NI_TYPE_IQ3_S, NI_TYPE_IQ3_XXS, NI_TYPE_IQ2_XXS, 4, 512, 256, 5, 2},
        {NI_TYPE_Q4_1, NI_TYPE_Q5_1, NI_TYPE_Q5_0, 8, 256, 352, 1, 3},
        {NI_TYPE_Q4_1, NI_TYPE_Q5_1, NI_TYPE_Q5_0, 8, 256, 352, 11, 3},
        {NI_TYPE_IQ4_NL, NI_TYPE_IQ4_XS, NI_TYPE_Q5_K, 8, 512, 768, 1, 2},
        {NI_TYPE_IQ4_NL, NI_TYPE_IQ4_XS, NI_TYPE_Q5_K, 8, 512, 768, 7, 2},
        {NI_TYPE_Q2_K, NI_TYPE_Q3_K, NI_TYPE_Q2_K, 6, 256, 512, 1, 2},
        {NI_TYPE_Q3_K, NI_TYPE_Q2_K, NI_TYPE_Q3_K, 6, 256, 512, 10, 4},
    };
    for (int isa : nt::supported_isas()) {
        nt::rng r(2024 + isa);
        for (const moe_case& c : cases) run(c, isa, r);
    }
    return nt::finish("test_moe");
}
