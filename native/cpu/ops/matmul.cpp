// ni_matmul: Y[N][M] = X[N][K] · W[M][K]ᵀ for every weight type.
//   1. X is quantized to the weight type's activation format (skipped for F32 weights), in the
//      layout the ISA's kernels for that weight type read (type_kernels::prepare_act).
//   2. Rows of W are cut into chunks handed out dynamically; each chunk runs the GEMV kernel
//      (N = 1, memory-bound) or the tile GEMM (N > 1, every weight tile reused across tokens).
#include <atomic>

#include "../runtime/pool_handle.h"
#include "activations_prep.h"
#include "row_split.h"
#include "validate.h"

namespace ni {
namespace {

struct matmul_job {
    const type_kernels* wk;
    const char* w;
    size_t w_stride;
    const char* xq;
    size_t xq_stride;
    float* y;
    size_t y_stride;  // floats
    int64_t n, m, k, chunk;
    std::atomic<int64_t> next{0};
};

void matmul_rows_job(void* vctx, int, int) {
    auto* job = static_cast<matmul_job*>(vctx);
    for (;;) {
        const int64_t r0 = job->next.fetch_add(job->chunk, std::memory_order_relaxed);
        if (r0 >= job->m) return;
        const int64_t r1 = std::min(r0 + job->chunk, job->m);
        compute_rows(*job->wk, job->k, job->w + r0 * job->w_stride, job->w_stride, r1 - r0, job->xq,
                     job->xq_stride, job->n, job->y + r0, job->y_stride);
    }
}

ni_status matmul(ni_pool* pool, int32_t w_type, const void* w, size_t w_stride, const float* x,
                 size_t x_stride, float* y, size_t y_stride, int64_t n, int64_t m, int64_t k) {
    const char* fn = "ni_matmul";
    if (!pool) return fail(NI_ERR_INVALID_ARGUMENT, "%s: pool is null", fn);
    if (!w) return fail(NI_ERR_INVALID_ARGUMENT, "%s: w is null", fn);
    if (!x) return fail(NI_ERR_INVALID_ARGUMENT, "%s: x is null", fn);
    if (!y) return fail(NI_ERR_INVALID_ARGUMENT, "%s: y is null", fn);
    ni_status st;
    if ((st = check_positive(fn, "n", n)) != NI_OK) return st;
    if ((st = check_positive(fn, "m", m)) != NI_OK) return st;
    const type_traits* wt = nullptr;
    if ((st = check_type(fn, "w_type", w_type, true, &wt)) != NI_OK) return st;
    size_t w_row = 0, x_row = 0, y_row = 0;
    if ((st = check_cols(fn, "k", *wt, k, &w_row)) != NI_OK) return st;
    if ((st = check_f32_cols(fn, "k", k, &x_row)) != NI_OK) return st;
    if ((st = check_f32_cols(fn, "m", m, &y_row)) != NI_OK) return st;
    if ((st = check_aligned(fn, "w", w, wt->alignment)) != NI_OK) return st;
    if ((st = check_aligned(fn, "x", x, 4)) != NI_OK) return st;
    if ((st = check_aligned(fn, "y", y, 4)) != NI_OK) return st;
    if ((st = check_stride(fn, "w_row_stride", w_stride, w_row, wt->alignment)) != NI_OK) return st;
    if ((st = check_stride(fn, "x_row_stride", x_stride, x_row, 4)) != NI_OK) return st;
    if ((st = check_stride(fn, "y_row_stride", y_stride, y_row, 4)) != NI_OK) return st;
    size_t w_span = 0, x_span = 0, y_span = 0;
    if ((st = check_span(fn, "w", w, span_of(m, w_stride, w_row), &w_span)) != NI_OK) return st;
    if ((st = check_span(fn, "x", x, span_of(n, x_stride, x_row), &x_span)) != NI_OK) return st;
    if ((st = check_span(fn, "y", y, span_of(n, y_stride, y_row), &y_span)) != NI_OK) return st;
    if (overlaps(y, y_span, x, x_span)) return fail(NI_ERR_INVALID_ARGUMENT, "%s: y overlaps x", fn);
    if (overlaps(y, y_span, w, w_span)) return fail(NI_ERR_INVALID_ARGUMENT, "%s: y overlaps w", fn);

    std::lock_guard<std::mutex> lock(pool->pool.call_mutex());
    thread_pool& tp = pool->pool;
    const kernel_table& kt = tp.kernels();
    const type_kernels& wk = kt.types[w_type];

    // 1. Activations, prepared the way this ISA's kernels for the weight type read them.
    const char* xq = reinterpret_cast<const char*>(x);
    size_t xq_stride = x_stride;
    if (wt->activation_type != NI_TYPE_F32) {
        xq_stride = align64(wk.act_bytes(k));
        const checked bytes = checked(xq_stride) * checked(n);
        char* buf = bytes.ok() ? static_cast<char*>(tp.scratch(bytes.value())) : nullptr;
        if (!buf) return fail(NI_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu × %lld bytes of activation scratch", fn, xq_stride, (long long)n);
        prepare_activation_rows(tp, wk.prepare_act, reinterpret_cast<const char*>(x), x_stride, 0, n, 1, k, buf, xq_stride);
        xq = buf;
    }

    // 2. Products.
    matmul_job mj;
    mj.wk = &wk;
    mj.w = static_cast<const char*>(w);
    mj.w_stride = w_stride;
    mj.xq = xq;
    mj.xq_stride = xq_stride;
    mj.y = y;
    mj.y_stride = y_stride / 4;
    mj.n = n;
    mj.m = m;
    mj.k = k;
    mj.chunk = row_chunk(m, tp.size(), n);
    tp.run(matmul_rows_job, &mj);
    return NI_OK;
}

}  // namespace
}  // namespace ni

extern "C" NI_API ni_status ni_matmul(ni_pool* pool, int32_t w_type, const void* w, size_t w_row_stride,
                                      const float* x, size_t x_row_stride, float* y, size_t y_row_stride,
                                      int64_t n, int64_t m, int64_t k) {
    NI_GUARD_BEGIN
    return ni::matmul(pool, w_type, w, w_row_stride, x, x_row_stride, y, y_row_stride, n, m, k);
    NI_GUARD_END
}
