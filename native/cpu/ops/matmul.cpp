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
    if (n <= 0) return fail(NI_ERR_INVALID_ARGUMENT, "%s: n must be > 0 (got %lld)", fn, (long long)n);
    if (m <= 0) return fail(NI_ERR_INVALID_ARGUMENT, "%s: m must be > 0 (got %lld)", fn, (long long)m);
    const type_traits* wt = nullptr;
    ni_status st = check_type(fn, "w_type", w_type, true, &wt);
    if (st != NI_OK) return st;
    if ((st = check_cols(fn, "k", *wt, k)) != NI_OK) return st;
    const size_t w_row = row_bytes(*wt, k);
    if ((st = check_stride(fn, "w_row_stride", w_stride, w_row, 1)) != NI_OK) return st;
    if ((st = check_stride(fn, "x_row_stride", x_stride, (size_t)k * 4, 4)) != NI_OK) return st;
    if ((st = check_stride(fn, "y_row_stride", y_stride, (size_t)m * 4, 4)) != NI_OK) return st;
    const size_t y_span = span_bytes(n, y_stride, (size_t)m * 4);
    if (overlaps(y, y_span, x, span_bytes(n, x_stride, (size_t)k * 4)))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: y overlaps x", fn);
    if (overlaps(y, y_span, w, span_bytes(m, w_stride, w_row)))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: y overlaps w", fn);

    std::lock_guard<std::mutex> lock(pool->pool.call_mutex());
    thread_pool& tp = pool->pool;
    const kernel_table& kt = tp.kernels();
    const type_kernels& wk = kt.types[w_type];

    // 1. Activations, prepared the way this ISA's kernels for the weight type read them.
    const char* xq = reinterpret_cast<const char*>(x);
    size_t xq_stride = x_stride;
    if (wt->activation_type != NI_TYPE_F32) {
        xq_stride = align64(wk.act_bytes(k));
        char* buf = static_cast<char*>(tp.scratch(xq_stride * (size_t)n));
        if (!buf) return fail(NI_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu bytes of activation scratch", fn, xq_stride * (size_t)n);
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
