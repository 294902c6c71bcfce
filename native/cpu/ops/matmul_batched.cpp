// ni_matmul_strided_batched: `batch` products of one shape over strided operands, in two modes.
//   W_TRANSPOSED: Y = X·Wᵀ as ni_matmul — activations prepared per batch, then work items of
//                 (batch, row chunk) on the GEMV / tile kernels.
//   W_ROWS:       Y = X·W — work items of (batch, column chunk); each zeroes its Y columns and adds
//                 every weight row's segment, dequantized exactly, scaled by X (rows_axpy). The row
//                 order is fixed, so results do not depend on the thread count.
#include <atomic>
#include <cstring>

#include "../quants/rows_axpy.h"
#include "../runtime/pool_handle.h"
#include "activations_prep.h"
#include "row_split.h"
#include "validate.h"

namespace ni {
namespace {

struct batched_job {
    const type_kernels* wk;
    const type_traits* wt;
    const char* w;
    size_t w_stride, w_batch;
    const char* x;  // W_TRANSPOSED: prepared activations; W_ROWS: the caller's f32 X
    size_t x_stride, x_batch;
    float* y;
    size_t y_stride, y_batch;  // floats
    int64_t batch, n, m, k;
    int64_t chunk, chunks_per_batch;
    std::atomic<int64_t> next{0};
};

void transposed_items(void* vctx, int, int) {
    auto* job = static_cast<batched_job*>(vctx);
    const int64_t items = job->batch * job->chunks_per_batch;
    for (int64_t item; (item = job->next.fetch_add(1, std::memory_order_relaxed)) < items;) {
        const int64_t b = item / job->chunks_per_batch, r0 = (item % job->chunks_per_batch) * job->chunk;
        const int64_t rows = std::min(job->chunk, job->m - r0);
        compute_rows(*job->wk, job->k, job->w + b * job->w_batch + r0 * job->w_stride, job->w_stride, rows,
                     job->x + b * job->n * job->x_stride, job->x_stride, job->n, job->y + b * job->y_batch + r0, job->y_stride);
    }
}

void rows_items(void* vctx, int, int) {
    auto* job = static_cast<batched_job*>(vctx);
    const int64_t items = job->batch * job->chunks_per_batch;
    for (int64_t item; (item = job->next.fetch_add(1, std::memory_order_relaxed)) < items;) {
        const int64_t b = item / job->chunks_per_batch, k0 = (item % job->chunks_per_batch) * job->chunk;
        const int64_t cols = std::min(job->chunk, job->k - k0);
        float* y = job->y + b * job->y_batch + k0;
        for (int64_t c = 0; c < job->n; ++c) std::memset(y + c * job->y_stride, 0, (size_t)cols * sizeof(float));
        const char* w = job->w + b * job->w_batch + (size_t)(k0 / job->wt->block_size) * job->wt->block_bytes;
        job->wk->rows_axpy(cols, w, job->w_stride, job->m, reinterpret_cast<const float*>(job->x + b * job->x_batch),
                           job->x_stride / 4, job->n, y, job->y_stride);
    }
}

ni_status batched(ni_pool* pool, int32_t mode, int32_t w_type, const void* w, size_t w_stride, size_t w_batch,
                  const float* x, size_t x_stride, size_t x_batch, float* y, size_t y_stride, size_t y_batch,
                  int64_t batch, int64_t n, int64_t m, int64_t k) {
    const char* fn = "ni_matmul_strided_batched";
    if (!pool) return fail(NI_ERR_INVALID_ARGUMENT, "%s: pool is null", fn);
    if (mode != NI_MATMUL_W_TRANSPOSED && mode != NI_MATMUL_W_ROWS)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: unknown mode %d", fn, mode);
    if (!w) return fail(NI_ERR_INVALID_ARGUMENT, "%s: w is null", fn);
    if (!x) return fail(NI_ERR_INVALID_ARGUMENT, "%s: x is null", fn);
    if (!y) return fail(NI_ERR_INVALID_ARGUMENT, "%s: y is null", fn);
    ni_status st;
    if ((st = check_positive(fn, "batch", batch)) != NI_OK) return st;
    if ((st = check_positive(fn, "n", n)) != NI_OK) return st;
    if ((st = check_positive(fn, "m", m)) != NI_OK) return st;
    const type_traits* wt = nullptr;
    if ((st = check_type(fn, "w_type", w_type, true, &wt)) != NI_OK) return st;
    const bool rows_mode = mode == NI_MATMUL_W_ROWS;
    // W is [m][k] in both modes; X is [n][k] (W_TRANSPOSED) or [n][m] (W_ROWS); Y the other way.
    size_t w_row = 0, k_f32 = 0, m_f32 = 0;
    if ((st = check_cols(fn, "k", *wt, k, &w_row)) != NI_OK) return st;
    if ((st = check_f32_cols(fn, "k", k, &k_f32)) != NI_OK) return st;
    if ((st = check_f32_cols(fn, "m", m, &m_f32)) != NI_OK) return st;
    const int64_t y_cols = rows_mode ? k : m;
    const size_t x_row = rows_mode ? m_f32 : k_f32, y_row = rows_mode ? k_f32 : m_f32;
    if ((st = check_aligned(fn, "w", w, wt->alignment)) != NI_OK) return st;
    if ((st = check_aligned(fn, "x", x, 4)) != NI_OK) return st;
    if ((st = check_aligned(fn, "y", y, 4)) != NI_OK) return st;
    if ((st = check_stride(fn, "w_row_stride", w_stride, w_row, wt->alignment)) != NI_OK) return st;
    if ((st = check_stride(fn, "x_row_stride", x_stride, x_row, 4)) != NI_OK) return st;
    if ((st = check_stride(fn, "y_row_stride", y_stride, y_row, 4)) != NI_OK) return st;
    if ((st = check_stride(fn, "w_batch_stride", w_batch, 0, wt->alignment)) != NI_OK) return st;
    if ((st = check_stride(fn, "x_batch_stride", x_batch, 0, 4)) != NI_OK) return st;
    if ((st = check_stride(fn, "y_batch_stride", y_batch, 0, 4)) != NI_OK) return st;
    size_t w_span = 0, x_span = 0, y_span = 0;
    if ((st = check_span(fn, "w", w, (checked(batch) - 1) * w_batch + span_of(m, w_stride, w_row), &w_span)) != NI_OK) return st;
    if ((st = check_span(fn, "x", x, (checked(batch) - 1) * x_batch + span_of(n, x_stride, x_row), &x_span)) != NI_OK) return st;
    if ((st = check_span(fn, "y", y, (checked(batch) - 1) * y_batch + span_of(n, y_stride, y_row), &y_span)) != NI_OK) return st;
    if (overlaps(y, y_span, x, x_span)) return fail(NI_ERR_INVALID_ARGUMENT, "%s: y overlaps x", fn);
    if (overlaps(y, y_span, w, w_span)) return fail(NI_ERR_INVALID_ARGUMENT, "%s: y overlaps w", fn);
    // Batches may interleave (heads side by side in each token's row) but must not share a column.
    if (y_batch == 0 && batch > 1) return fail(NI_ERR_INVALID_ARGUMENT, "%s: y_batch_stride 0 with batch > 1 would write one output twice", fn);
    if (batch > 1 && y_batch < y_row)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: y_batch_stride %zu is shorter than an output row slice (%lld values): batches would overlap",
                    fn, y_batch, (long long)y_cols);

    std::lock_guard<std::mutex> lock(pool->pool.call_mutex());
    thread_pool& tp = pool->pool;
    const type_kernels& wk = tp.kernels().types[w_type];
    batched_job job;
    job.wk = &wk;
    job.wt = wt;
    job.w = static_cast<const char*>(w);
    job.w_stride = w_stride;
    job.w_batch = w_batch;
    job.y = y;
    job.y_stride = y_stride / 4;
    job.y_batch = y_batch / 4;
    job.batch = batch;
    job.n = n;
    job.m = m;
    job.k = k;
    if (rows_mode) {
        job.x = reinterpret_cast<const char*>(x);
        job.x_stride = x_stride;
        job.x_batch = x_batch;
        // Column chunks: block-aligned, small enough to give every thread work on short rows.
        job.chunk = std::max<int64_t>(wt->block_size, 64);
        job.chunks_per_batch = (k + job.chunk - 1) / job.chunk;
        tp.run(rows_items, &job);
        return NI_OK;
    }
    // W_TRANSPOSED: prepare every batch's activations, then the row chunks.
    const char* xq = reinterpret_cast<const char*>(x);
    size_t xq_stride = x_stride;
    if (wt->activation_type != NI_TYPE_F32) {
        xq_stride = align64(wk.act_bytes(k));
        const checked bytes = checked(xq_stride) * checked(n) * checked(batch);
        char* buf = bytes.ok() ? static_cast<char*>(tp.scratch(bytes.value())) : nullptr;
        if (!buf)
            return fail(NI_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu × %lld × %lld bytes of activation scratch", fn, xq_stride,
                        (long long)n, (long long)batch);
        prepare_activation_rows(tp, wk.prepare_act, reinterpret_cast<const char*>(x), x_stride, x_batch, n, batch, k, buf, xq_stride);
        xq = buf;
    } else if (x_batch != x_stride * (size_t)n) {
        // f32 weights read X in place; the kernels address batch b's rows as one run of n rows.
        const checked bytes = checked(k_f32) * checked(n) * checked(batch);
        char* buf = bytes.ok() ? static_cast<char*>(tp.scratch(bytes.value())) : nullptr;
        if (!buf)
            return fail(NI_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu × %lld × %lld bytes of activation scratch", fn, k_f32,
                        (long long)n, (long long)batch);
        for (int64_t b = 0; b < batch; ++b)
            for (int64_t r = 0; r < n; ++r)
                std::memcpy(buf + (b * n + r) * k * 4, reinterpret_cast<const char*>(x) + b * x_batch + r * x_stride, (size_t)k * 4);
        xq = buf;
        xq_stride = (size_t)k * 4;
    }
    job.x = xq;
    job.x_stride = xq_stride;
    job.x_batch = 0;
    job.chunk = row_chunk(m, tp.size(), n);
    job.chunks_per_batch = (m + job.chunk - 1) / job.chunk;
    tp.run(transposed_items, &job);
    return NI_OK;
}

}  // namespace
}  // namespace ni

extern "C" NI_API ni_status ni_matmul_strided_batched(ni_pool* pool, int32_t mode, int32_t w_type, const void* w,
                                                      size_t w_row_stride, size_t w_batch_stride, const float* x,
                                                      size_t x_row_stride, size_t x_batch_stride, float* y,
                                                      size_t y_row_stride, size_t y_batch_stride, int64_t batch,
                                                      int64_t n, int64_t m, int64_t k) {
    NI_GUARD_BEGIN
    return ni::batched(pool, mode, w_type, w, w_row_stride, w_batch_stride, x, x_row_stride, x_batch_stride, y,
                       y_row_stride, y_batch_stride, batch, n, m, k);
    NI_GUARD_END
}
