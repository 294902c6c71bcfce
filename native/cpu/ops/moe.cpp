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
    const int32_t* entry_token;   // [entries]
    const int32_t* slot_entry;    // [n_tokens][top_k] → entry

    // Buffers (scratch).
    char* xg;  size_t xg_stride;   // [entries] x quantized for gate
    char* xu;  size_t xu_stride;   // [entries] x quantized for up (== xg when formats agree)
    float* h;                      // [entries][ffn] gate output, then silu(g)·u
    float* up_tmp;                 // per thread: [largest expert group][ffn_chunk]
    size_t up_tmp_floats;
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
        const int32_t* entries = job->slot_entry + n * job->top_k;
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
        compute_rows(*job->up_k, W.hidden, up_w, job->up_row, rows, job->xu + first * job->xu_stride,
                     job->xu_stride, cnt, up, rows);
        for (int64_t c = 0; c < cnt; ++c) job->silu_mul(g + c * W.ffn, up + c * rows, rows);
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
            const int32_t* entries = job->slot_entry + n * job->top_k;
            const float* wn = job->weights + n * job->top_k;
            for (int64_t r = 0; r < rows; ++r) {
                float acc = job->accumulate ? o[r] : 0.0f;
                for (int64_t j = 0; j < job->top_k; ++j) acc += wn[j] * job->y[entries[j] * W.hidden + r0 + r];
                o[r] = acc;
            }
        }
    }
}

// Lays the scratch out as 64-byte aligned pieces of one allocation.
struct scratch_plan {
    size_t total = 0;
    size_t add(size_t bytes) { size_t at = total; total += align64(bytes); return at; }
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
    // A thread holds the up products of one expert's entries for a chunk of rows. An expert gets
    // one entry from each token that names it, and one more for every further slot in which the
    // same token names it again, so T + (repeated slots) bounds every group.
    int64_t repeats = 0;
    for (int64_t t = 0; t < T; ++t)
        for (int64_t j = 1; j < K; ++j)
            for (int64_t i = 0; i < j; ++i)
                if (job.ids[t * K + j] == job.ids[t * K + i]) { ++repeats; break; }
    job.up_tmp_floats = (size_t)std::min(entries, T + repeats) * (size_t)job.ffn_chunk;

    scratch_plan plan;
    const size_t o_active = plan.add(sizeof(int32_t) * (size_t)n_experts);
    const size_t o_offset = plan.add(sizeof(int64_t) * (size_t)n_experts);
    const size_t o_count = plan.add(sizeof(int64_t) * (size_t)n_experts);
    const size_t o_entry_token = plan.add(sizeof(int32_t) * (size_t)entries);
    const size_t o_slot_entry = plan.add(sizeof(int32_t) * (size_t)entries);
    const size_t o_xg = plan.add(job.xg_stride * (size_t)entries);
    const size_t o_xu = shared_x ? o_xg : plan.add(job.xu_stride * (size_t)entries);
    const size_t o_h = plan.add(sizeof(float) * (size_t)entries * (size_t)W.ffn);
    const size_t o_up = plan.add(sizeof(float) * job.up_tmp_floats * (size_t)tp.size());
    const size_t o_hq = plan.add(job.hq_stride * (size_t)entries);
    const size_t o_y = plan.add(sizeof(float) * (size_t)entries * (size_t)W.hidden);
    char* base = static_cast<char*>(tp.scratch(plan.total));
    if (!base) return fail(NI_ERR_OUT_OF_MEMORY, "ni_moe_experts: cannot allocate %zu bytes of scratch", plan.total);

    auto* active = reinterpret_cast<int32_t*>(base + o_active);
    auto* offset = reinterpret_cast<int64_t*>(base + o_offset);
    auto* count = reinterpret_cast<int64_t*>(base + o_count);
    auto* entry_token = reinterpret_cast<int32_t*>(base + o_entry_token);
    auto* slot_entry = reinterpret_cast<int32_t*>(base + o_slot_entry);

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
        entry_token[at] = (int32_t)(i / K);
        slot_entry[i] = (int32_t)at;
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
    if (n_tokens <= 0) return fail(NI_ERR_INVALID_ARGUMENT, "%s: n_tokens must be > 0 (got %lld)", fn, (long long)n_tokens);
    if (W->n_experts <= 0 || W->n_experts > INT32_MAX)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: weights->n_experts must be in [1, 2^31) (got %lld)", fn, (long long)W->n_experts);
    if (top_k <= 0 || top_k > W->n_experts)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: top_k must be in [1, n_experts = %lld] (got %lld)", fn,
                    (long long)W->n_experts, (long long)top_k);
    if (flags & ~NI_MOE_ACCUMULATE) return fail(NI_ERR_INVALID_ARGUMENT, "%s: unknown flags 0x%x", fn, flags);
    if (W->ffn <= 0) return fail(NI_ERR_INVALID_ARGUMENT, "%s: weights->ffn must be > 0 (got %lld)", fn, (long long)W->ffn);
    const type_traits *gt, *ut, *dt;
    ni_status st;
    if ((st = check_type(fn, "weights->gate_type", W->gate_type, true, &gt)) != NI_OK) return st;
    if ((st = check_type(fn, "weights->up_type", W->up_type, true, &ut)) != NI_OK) return st;
    if ((st = check_type(fn, "weights->down_type", W->down_type, true, &dt)) != NI_OK) return st;
    if ((st = check_cols(fn, "weights->hidden (columns of gate)", *gt, W->hidden)) != NI_OK) return st;
    if ((st = check_cols(fn, "weights->hidden (columns of up)", *ut, W->hidden)) != NI_OK) return st;
    if ((st = check_cols(fn, "weights->ffn (columns of down)", *dt, W->ffn)) != NI_OK) return st;
    const size_t x_row = (size_t)W->hidden * 4;
    if ((st = check_stride(fn, "x_row_stride", x_stride, x_row, 4)) != NI_OK) return st;
    if ((st = check_stride(fn, "out_row_stride", out_stride, x_row, 4)) != NI_OK) return st;
    if (overlaps(out, span_bytes(n_tokens, out_stride, x_row), x, span_bytes(n_tokens, x_stride, x_row)))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: out overlaps x", fn);
    for (int64_t i = 0; i < n_tokens * top_k; ++i) {
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
        job.gate_row = row_bytes(*gt, W->hidden);
        job.up_row = row_bytes(*ut, W->hidden);
        job.down_row = row_bytes(*dt, W->ffn);
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
