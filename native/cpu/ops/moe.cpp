// ni_moe_experts: the routed-expert FFN of a MoE layer over stacked GGUF expert tensors.
//
//   out[n] (+)= Σ_j w[n][j] · down_e(silu(gate_e · x[n]) ⊙ (up_e · x[n])),  e = ids[n][j]
//
// Every (token, slot) pair is an "entry". Entries are sorted by expert (a counting sort), so the
// tokens routed to one expert form a contiguous group and that expert's weights are read once
// per call, as llamafile / KTransformers do. Four fork-join phases:
//   1. quantize each token's x once, copy it to each of its entries      (per token)
//   2. gate and up products for one expert × a chunk of ffn rows, then
//      h = silu(g) ⊙ u in place                                          (per expert × row chunk)
//   3. quantize h to the down projection's activation format             (per entry)
//   4. down products for a chunk of hidden rows across every expert, then
//      the weighted sum over each token's slots in slot order            (per hidden row chunk)
// Every output element is produced by one thread in a fixed order, so results do not depend on
// the number of threads.
#include <atomic>
#include <cstring>

#include "../runtime/pool_handle.h"
#include "row_split.h"
#include "validate.h"

namespace ni {
namespace {

// Tokens per grouped pass; bounds scratch (about 70 KB per token at DeepSeek-V2-Lite widths).
constexpr int64_t kMaxTokensPerPass = 256;

struct moe_job {
    // Problem.
    const ni_moe_weights* wts;
    const type_kernels *gate_k, *up_k, *down_k;
    quantize_row_fn quantize_gate, quantize_up, quantize_down;
    size_t gate_row, up_row, down_row;  // weight row bytes
    const char* x;
    size_t x_stride;
    const int32_t* ids;
    const float* weights;
    int64_t n_tokens, top_k;
    float* out;
    size_t out_stride;  // floats
    bool accumulate;

    // Grouping: entries sorted by expert; expert e owns entries [offset[e], offset[e] + count[e]).
    const int32_t* active;        // [n_active] experts with at least one entry
    int64_t n_active;
    const int64_t* offset;        // [n_experts]
    const int64_t* count;         // [n_experts]
    const int64_t* entry_token;   // [entries]
    const int64_t* slot_entry;    // [n_tokens][top_k] → entry

    // Buffers (scratch).
    char* xg;  size_t xg_stride;   // [entries] x quantized for gate
    char* xu;  size_t xu_stride;   // [entries] x quantized for up (== xg when formats agree)
    float* h;                      // [entries][ffn] gate output, then silu(g)·u
    float* up_tmp;                 // per thread: [up_tokens][ffn_chunk]
    size_t up_tmp_floats;
    int64_t up_tokens;             // rows of an up buffer: min(n_tokens, kMaxTokensPerPass)
    char* hq;  size_t hq_stride;   // [entries] h quantized for down
    float* y;                      // [entries][hidden] down outputs

    silu_mul_fn silu_mul;
    int64_t ffn_chunk, hidden_chunk, ffn_chunks_per_expert;
    std::atomic<int64_t> next{0};
};

// Phase 1: one token's x quantized into the first of its entries, copied to the others.
void phase_quantize_x(void* vctx, int, int) {
    auto* job = static_cast<moe_job*>(vctx);
    const int64_t hidden = job->wts->hidden;
    for (int64_t n; (n = job->next.fetch_add(1, std::memory_order_relaxed)) < job->n_tokens;) {
        const float* xn = reinterpret_cast<const float*>(job->x + n * job->x_stride);
        const int64_t* entries = job->slot_entry + n * job->top_k;
        char* first_g = job->xg + entries[0] * job->xg_stride;
        job->quantize_gate(xn, first_g, hidden);
        for (int64_t j = 1; j < job->top_k; ++j) std::memcpy(job->xg + entries[j] * job->xg_stride, first_g, job->xg_stride);
        if (job->xu != job->xg) {
            char* first_u = job->xu + entries[0] * job->xu_stride;
            job->quantize_up(xn, first_u, hidden);
            for (int64_t j = 1; j < job->top_k; ++j) std::memcpy(job->xu + entries[j] * job->xu_stride, first_u, job->xu_stride);
        }
    }
}

// Phase 2: gate and up rows [r0, r1) of one expert for all its tokens; h = silu(g) ⊙ u.
void phase_gate_up(void* vctx, int thread_index, int) {
    auto* job = static_cast<moe_job*>(vctx);
    const ni_moe_weights& W = *job->wts;
    const int64_t items = job->n_active * job->ffn_chunks_per_expert;
    float* up = job->up_tmp + (size_t)thread_index * job->up_tmp_floats;
    for (int64_t item; (item = job->next.fetch_add(1, std::memory_order_relaxed)) < items;) {
        const int32_t e = job->active[item / job->ffn_chunks_per_expert];
        const int64_t r0 = (item % job->ffn_chunks_per_expert) * job->ffn_chunk;
        const int64_t rows = std::min(job->ffn_chunk, W.ffn - r0);
        const int64_t first = job->offset[e], cnt = job->count[e];
        const char* gate_w = static_cast<const char*>(W.gate) + ((size_t)e * W.ffn + r0) * job->gate_row;
        const char* up_w = static_cast<const char*>(W.up) + ((size_t)e * W.ffn + r0) * job->up_row;
        float* g = job->h + first * W.ffn + r0;
        compute_rows(*job->gate_k, W.hidden, gate_w, job->gate_row, rows, job->xg + first * job->xg_stride,
                     job->xg_stride, cnt, g, W.ffn);
        // An expert's group can hold more entries than the call has tokens (a token may pick one
        // expert in several slots), and the per-thread up buffer holds up_tokens rows: slices of that
        // many. The kernels give every (row, token) the same result in any batch, so slicing is exact.
        for (int64_t c0 = 0; c0 < cnt; c0 += job->up_tokens) {
            const int64_t n = std::min(job->up_tokens, cnt - c0);
            compute_rows(*job->up_k, W.hidden, up_w, job->up_row, rows, job->xu + (first + c0) * job->xu_stride,
                         job->xu_stride, n, up, rows);
            for (int64_t c = 0; c < n; ++c) job->silu_mul(g + (c0 + c) * W.ffn, up + c * rows, rows);
        }
    }
}

// Phase 3: h rows quantized for the down projection.
void phase_quantize_h(void* vctx, int, int) {
    auto* job = static_cast<moe_job*>(vctx);
    const int64_t entries = job->n_tokens * job->top_k, ffn = job->wts->ffn;
    for (int64_t i; (i = job->next.fetch_add(1, std::memory_order_relaxed)) < entries;)
        job->quantize_down(job->h + i * ffn, job->hq + i * job->hq_stride, ffn);
}

// Phase 4: down rows [r0, r1) of every active expert, then the weighted sum per token.
void phase_down_combine(void* vctx, int, int) {
    auto* job = static_cast<moe_job*>(vctx);
    const ni_moe_weights& W = *job->wts;
    for (;;) {
        const int64_t r0 = job->next.fetch_add(job->hidden_chunk, std::memory_order_relaxed);
        if (r0 >= W.hidden) return;
        const int64_t rows = std::min(job->hidden_chunk, W.hidden - r0);
        for (int64_t a = 0; a < job->n_active; ++a) {
            const int32_t e = job->active[a];
            const int64_t first = job->offset[e];
            const char* down_w = static_cast<const char*>(W.down) + ((size_t)e * W.hidden + r0) * job->down_row;
            compute_rows(*job->down_k, W.ffn, down_w, job->down_row, rows, job->hq + first * job->hq_stride,
                         job->hq_stride, job->count[e], job->y + first * W.hidden + r0, W.hidden);
        }
        for (int64_t n = 0; n < job->n_tokens; ++n) {
            float* o = job->out + n * job->out_stride + r0;
            const int64_t* entries = job->slot_entry + n * job->top_k;
            const float* wn = job->weights + n * job->top_k;
            for (int64_t r = 0; r < rows; ++r) {
                float acc = job->accumulate ? o[r] : 0.0f;
                for (int64_t j = 0; j < job->top_k; ++j) acc += wn[j] * job->y[entries[j] * W.hidden + r0 + r];
                o[r] = acc;
            }
        }
    }
}

// Lays the scratch out as 64-byte aligned pieces of one allocation; `total` goes out of range if
// any piece or the sum would overflow (then the pass fails with NI_ERR_OUT_OF_MEMORY).
struct scratch_plan {
    checked total = 0;
    size_t add(checked bytes) {
        const size_t at = total.value();
        total = total + bytes + 63;  // room to round each piece up to a cache line
        if (total.ok()) total = checked(align64(at + bytes.value()));
        return at;
    }
};

ni_status run_pass(thread_pool& tp, moe_job& job, int64_t n_experts, silu_mul_fn silu) {
    const ni_moe_weights& W = *job.wts;
    const int64_t T = job.n_tokens, K = job.top_k, entries = T * K;
    // Gate and up read x prepared the same way when their kernels agree (the common case: one
    // weight type for both); then x is prepared once per token.
    const bool shared_x = job.gate_k->prepare_act == job.up_k->prepare_act && job.gate_k->act_bytes == job.up_k->act_bytes;

    job.ffn_chunk = row_chunk(W.ffn, tp.size(), T);
    job.hidden_chunk = row_chunk(W.hidden, tp.size(), T);
    job.ffn_chunks_per_expert = (W.ffn + job.ffn_chunk - 1) / job.ffn_chunk;
    job.xg_stride = align64(job.gate_k->act_bytes(W.hidden));
    job.xu_stride = shared_x ? job.xg_stride : align64(job.up_k->act_bytes(W.hidden));
    job.hq_stride = align64(job.down_k->act_bytes(W.ffn));
    job.up_tokens = std::min<int64_t>(T, kMaxTokensPerPass);
    job.up_tmp_floats = (size_t)job.up_tokens * (size_t)job.ffn_chunk;

    scratch_plan plan;
    const checked n_entries = entries, n_exp = n_experts;
    const size_t o_active = plan.add(n_exp * sizeof(int32_t));
    const size_t o_offset = plan.add(n_exp * sizeof(int64_t));
    const size_t o_count = plan.add(n_exp * sizeof(int64_t));
    const size_t o_entry_token = plan.add(n_entries * sizeof(int64_t));
    const size_t o_slot_entry = plan.add(n_entries * sizeof(int64_t));
    const size_t o_xg = plan.add(n_entries * job.xg_stride);
    const size_t o_xu = shared_x ? o_xg : plan.add(n_entries * job.xu_stride);
    const size_t o_h = plan.add(n_entries * W.ffn * sizeof(float));
    const size_t o_up = plan.add(checked(job.up_tmp_floats) * sizeof(float) * tp.size());
    const size_t o_hq = plan.add(n_entries * job.hq_stride);
    const size_t o_y = plan.add(n_entries * W.hidden * sizeof(float));
    char* base = plan.total.ok() ? static_cast<char*>(tp.scratch(plan.total.value())) : nullptr;
    if (!base)
        return fail(NI_ERR_OUT_OF_MEMORY, "ni_moe_experts: cannot allocate the scratch of %lld experts and %lld (token, slot) entries",
                    (long long)n_experts, (long long)entries);

    auto* active = reinterpret_cast<int32_t*>(base + o_active);
    auto* offset = reinterpret_cast<int64_t*>(base + o_offset);
    auto* count = reinterpret_cast<int64_t*>(base + o_count);
    auto* entry_token = reinterpret_cast<int64_t*>(base + o_entry_token);
    auto* slot_entry = reinterpret_cast<int64_t*>(base + o_slot_entry);

    // Counting sort of (token, slot) by expert; stable, so each group is in token order.
    std::memset(count, 0, sizeof(int64_t) * (size_t)n_experts);
    for (int64_t i = 0; i < entries; ++i) ++count[job.ids[i]];
    int64_t n_active = 0, running = 0;
    for (int64_t e = 0; e < n_experts; ++e) {
        offset[e] = running;
        running += count[e];
        if (count[e] > 0) active[n_active++] = (int32_t)e;
    }
    for (int64_t e = 0; e < n_experts; ++e) count[e] = 0;
    for (int64_t i = 0; i < entries; ++i) {
        const int32_t e = job.ids[i];
        const int64_t at = offset[e] + count[e]++;
        entry_token[at] = i / K;
        slot_entry[i] = at;
    }

    job.active = active;
    job.n_active = n_active;
    job.offset = offset;
    job.count = count;
    job.entry_token = entry_token;
    job.slot_entry = slot_entry;
    job.xg = base + o_xg;
    job.xu = base + o_xu;
    job.h = reinterpret_cast<float*>(base + o_h);
    job.up_tmp = reinterpret_cast<float*>(base + o_up);
    job.hq = base + o_hq;
    job.y = reinterpret_cast<float*>(base + o_y);
    job.quantize_gate = job.gate_k->prepare_act;
    job.quantize_up = job.up_k->prepare_act;
    job.quantize_down = job.down_k->prepare_act;
    job.silu_mul = silu;

    job.next.store(0);
    if (T == 1) phase_quantize_x(&job, 0, 1); else tp.run(phase_quantize_x, &job);
    job.next.store(0);
    tp.run(phase_gate_up, &job);
    job.next.store(0);
    tp.run(phase_quantize_h, &job);
    job.next.store(0);
    tp.run(phase_down_combine, &job);
    return NI_OK;
}

ni_status moe_experts(ni_pool* pool, const ni_moe_weights* W, const float* x, size_t x_stride,
                      const int32_t* ids, const float* weights, int64_t n_tokens, int64_t top_k,
                      float* out, size_t out_stride, uint32_t flags) {
    const char* fn = "ni_moe_experts";
    if (!pool) return fail(NI_ERR_INVALID_ARGUMENT, "%s: pool is null", fn);
    if (!W) return fail(NI_ERR_INVALID_ARGUMENT, "%s: weights is null", fn);
    if (!W->gate || !W->up || !W->down)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: weights->%s is null", fn, !W->gate ? "gate" : !W->up ? "up" : "down");
    if (!x) return fail(NI_ERR_INVALID_ARGUMENT, "%s: x is null", fn);
    if (!ids) return fail(NI_ERR_INVALID_ARGUMENT, "%s: expert_ids is null", fn);
    if (!weights) return fail(NI_ERR_INVALID_ARGUMENT, "%s: expert_weights is null", fn);
    if (!out) return fail(NI_ERR_INVALID_ARGUMENT, "%s: out is null", fn);
    ni_status st;
    if ((st = check_positive(fn, "n_tokens", n_tokens)) != NI_OK) return st;
    if (W->n_experts <= 0 || W->n_experts > INT32_MAX)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: weights->n_experts must be in [1, 2^31) (got %lld)", fn, (long long)W->n_experts);
    if (top_k <= 0 || top_k > W->n_experts)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: top_k must be in [1, n_experts = %lld] (got %lld)", fn,
                    (long long)W->n_experts, (long long)top_k);
    if (flags & ~NI_MOE_ACCUMULATE) return fail(NI_ERR_INVALID_ARGUMENT, "%s: unknown flags 0x%x", fn, flags);
    if ((st = check_positive(fn, "weights->ffn", W->ffn)) != NI_OK) return st;
    const type_traits *gt, *ut, *dt;
    if ((st = check_type(fn, "weights->gate_type", W->gate_type, true, &gt)) != NI_OK) return st;
    if ((st = check_type(fn, "weights->up_type", W->up_type, true, &ut)) != NI_OK) return st;
    if ((st = check_type(fn, "weights->down_type", W->down_type, true, &dt)) != NI_OK) return st;
    size_t gate_row = 0, up_row = 0, down_row = 0, x_row = 0, h_row = 0;
    if ((st = check_cols(fn, "weights->hidden (columns of gate)", *gt, W->hidden, &gate_row)) != NI_OK) return st;
    if ((st = check_cols(fn, "weights->hidden (columns of up)", *ut, W->hidden, &up_row)) != NI_OK) return st;
    if ((st = check_cols(fn, "weights->ffn (columns of down)", *dt, W->ffn, &down_row)) != NI_OK) return st;
    if ((st = check_f32_cols(fn, "weights->hidden", W->hidden, &x_row)) != NI_OK) return st;
    if ((st = check_f32_cols(fn, "weights->ffn", W->ffn, &h_row)) != NI_OK) return st;  // the f32 intermediate h
    if ((st = check_aligned(fn, "weights->gate", W->gate, gt->alignment)) != NI_OK) return st;
    if ((st = check_aligned(fn, "weights->up", W->up, ut->alignment)) != NI_OK) return st;
    if ((st = check_aligned(fn, "weights->down", W->down, dt->alignment)) != NI_OK) return st;
    if ((st = check_aligned(fn, "x", x, 4)) != NI_OK) return st;
    if ((st = check_aligned(fn, "expert_ids", ids, 4)) != NI_OK) return st;
    if ((st = check_aligned(fn, "expert_weights", weights, 4)) != NI_OK) return st;
    if ((st = check_aligned(fn, "out", out, 4)) != NI_OK) return st;
    if ((st = check_stride(fn, "x_row_stride", x_stride, x_row, 4)) != NI_OK) return st;
    if ((st = check_stride(fn, "out_row_stride", out_stride, x_row, 4)) != NI_OK) return st;
    // Experts are stacked: expert e's rows start e · rows · row bytes into each tensor.
    size_t gate_span = 0, up_span = 0, down_span = 0, x_span = 0, out_span = 0, ids_span = 0, weights_span = 0;
    if ((st = check_span(fn, "weights->gate", W->gate, checked(W->n_experts) * W->ffn * gate_row, &gate_span)) != NI_OK) return st;
    if ((st = check_span(fn, "weights->up", W->up, checked(W->n_experts) * W->ffn * up_row, &up_span)) != NI_OK) return st;
    if ((st = check_span(fn, "weights->down", W->down, checked(W->n_experts) * W->hidden * down_row, &down_span)) != NI_OK) return st;
    if ((st = check_span(fn, "expert_ids", ids, checked(n_tokens) * top_k * sizeof(int32_t), &ids_span)) != NI_OK) return st;
    if ((st = check_span(fn, "expert_weights", weights, checked(n_tokens) * top_k * sizeof(float), &weights_span)) != NI_OK) return st;
    if ((st = check_span(fn, "x", x, span_of(n_tokens, x_stride, x_row), &x_span)) != NI_OK) return st;
    if ((st = check_span(fn, "out", out, span_of(n_tokens, out_stride, x_row), &out_span)) != NI_OK) return st;
    if (overlaps(out, out_span, x, x_span)) return fail(NI_ERR_INVALID_ARGUMENT, "%s: out overlaps x", fn);
    if (overlaps(out, out_span, ids, ids_span)) return fail(NI_ERR_INVALID_ARGUMENT, "%s: out overlaps expert_ids", fn);
    if (overlaps(out, out_span, weights, weights_span)) return fail(NI_ERR_INVALID_ARGUMENT, "%s: out overlaps expert_weights", fn);
    if (overlaps(out, out_span, W->gate, gate_span)) return fail(NI_ERR_INVALID_ARGUMENT, "%s: out overlaps weights->gate", fn);
    if (overlaps(out, out_span, W->up, up_span)) return fail(NI_ERR_INVALID_ARGUMENT, "%s: out overlaps weights->up", fn);
    if (overlaps(out, out_span, W->down, down_span)) return fail(NI_ERR_INVALID_ARGUMENT, "%s: out overlaps weights->down", fn);
    const int64_t entries = n_tokens * top_k;  // in range: expert_ids spans 4 bytes per entry
    for (int64_t i = 0; i < entries; ++i) {
        if (ids[i] < 0 || ids[i] >= W->n_experts)
            return fail(NI_ERR_INVALID_ARGUMENT, "%s: expert_ids[%lld][%lld] = %d is outside [0, %lld)", fn,
                        (long long)(i / top_k), (long long)(i % top_k), ids[i], (long long)W->n_experts);
    }

    std::lock_guard<std::mutex> lock(pool->pool.call_mutex());
    thread_pool& tp = pool->pool;
    const kernel_table& kt = tp.kernels();
    for (int64_t t0 = 0; t0 < n_tokens; t0 += kMaxTokensPerPass) {
        const int64_t T = std::min(kMaxTokensPerPass, n_tokens - t0);
        moe_job job;
        job.wts = W;
        job.gate_k = &kt.types[W->gate_type];
        job.up_k = &kt.types[W->up_type];
        job.down_k = &kt.types[W->down_type];
        job.gate_row = gate_row;
        job.up_row = up_row;
        job.down_row = down_row;
        job.x = reinterpret_cast<const char*>(x) + t0 * x_stride;
        job.x_stride = x_stride;
        job.ids = ids + t0 * top_k;
        job.weights = weights + t0 * top_k;
        job.n_tokens = T;
        job.top_k = top_k;
        job.out = reinterpret_cast<float*>(reinterpret_cast<char*>(out) + t0 * out_stride);
        job.out_stride = out_stride / 4;
        job.accumulate = (flags & NI_MOE_ACCUMULATE) != 0;
        if ((st = run_pass(tp, job, W->n_experts, kt.silu_mul)) != NI_OK) return st;
    }
    return NI_OK;
}

}  // namespace
}  // namespace ni

extern "C" NI_API ni_status ni_moe_experts(ni_pool* pool, const ni_moe_weights* weights, const float* x,
                                           size_t x_row_stride, const int32_t* expert_ids,
                                           const float* expert_weights, int64_t n_tokens, int64_t top_k,
                                           float* out, size_t out_row_stride, uint32_t flags) {
    NI_GUARD_BEGIN
    return ni::moe_experts(pool, weights, x, x_row_stride, expert_ids, expert_weights, n_tokens, top_k, out,
                           out_row_stride, flags);
    NI_GUARD_END
}
