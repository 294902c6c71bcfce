// ni_quantize_rows / ni_dequantize_rows: row-parallel conversion between f32 and a ggml type.
#include <atomic>

#include "../runtime/pool_handle.h"
#include "validate.h"

namespace ni {
namespace {

struct convert_job {
    quantize_row_fn quantize;
    dequantize_row_fn dequantize;
    const char* src;
    size_t src_stride;
    char* dst;
    size_t dst_stride;
    int64_t n_rows, n_cols;
    std::atomic<int64_t> next{0};
};

void convert_rows(void* vctx, int, int) {
    auto* job = static_cast<convert_job*>(vctx);
    constexpr int64_t kRowsPerChunk = 4;
    for (;;) {
        const int64_t r0 = job->next.fetch_add(kRowsPerChunk, std::memory_order_relaxed);
        if (r0 >= job->n_rows) return;
        const int64_t r1 = r0 + kRowsPerChunk < job->n_rows ? r0 + kRowsPerChunk : job->n_rows;
        for (int64_t r = r0; r < r1; ++r) {
            const char* s = job->src + r * job->src_stride;
            char* d = job->dst + r * job->dst_stride;
            if (job->quantize) job->quantize(reinterpret_cast<const float*>(s), d, job->n_cols);
            else job->dequantize(s, reinterpret_cast<float*>(d), job->n_cols);
        }
    }
}

ni_status convert(const char* fn, ni_pool* pool, int32_t type, bool quantize, void* dst, size_t dst_stride,
                  const void* src, size_t src_stride, int64_t n_rows, int64_t n_cols) {
    if (!pool) return fail(NI_ERR_INVALID_ARGUMENT, "%s: pool is null", fn);
    if (!dst) return fail(NI_ERR_INVALID_ARGUMENT, "%s: dst is null", fn);
    if (!src) return fail(NI_ERR_INVALID_ARGUMENT, "%s: src is null", fn);
    ni_status st = check_positive(fn, "n_rows", n_rows);
    if (st != NI_OK) return st;
    const type_traits* t = nullptr;
    if ((st = check_type(fn, "type", type, false, &t)) != NI_OK) return st;
    size_t q_bytes = 0, f_bytes = 0;
    if ((st = check_cols(fn, "n_cols", *t, n_cols, &q_bytes)) != NI_OK) return st;
    if ((st = check_f32_cols(fn, "n_cols", n_cols, &f_bytes)) != NI_OK) return st;
    // The f32 side is read/written as floats, the typed side as blocks of the type.
    const size_t src_row = quantize ? f_bytes : q_bytes, dst_row = quantize ? q_bytes : f_bytes;
    const size_t src_align = quantize ? sizeof(float) : t->alignment, dst_align = quantize ? t->alignment : sizeof(float);
    if ((st = check_aligned(fn, "src", src, src_align)) != NI_OK) return st;
    if ((st = check_aligned(fn, "dst", dst, dst_align)) != NI_OK) return st;
    if ((st = check_stride(fn, "src_row_stride", src_stride, src_row, src_align)) != NI_OK) return st;
    if ((st = check_stride(fn, "dst_row_stride", dst_stride, dst_row, dst_align)) != NI_OK) return st;
    size_t src_span = 0, dst_span = 0;
    if ((st = check_span(fn, "src", src, span_of(n_rows, src_stride, src_row), &src_span)) != NI_OK) return st;
    if ((st = check_span(fn, "dst", dst, span_of(n_rows, dst_stride, dst_row), &dst_span)) != NI_OK) return st;
    if (overlaps(dst, dst_span, src, src_span)) return fail(NI_ERR_INVALID_ARGUMENT, "%s: dst and src overlap", fn);

    std::lock_guard<std::mutex> lock(pool->pool.call_mutex());
    const type_kernels& k = pool->pool.kernels().types[type];
    convert_job job;
    job.quantize = quantize ? k.quantize_row : nullptr;
    job.dequantize = quantize ? nullptr : k.dequantize_row;
    if (quantize ? !job.quantize : !job.dequantize)
        return fail(NI_ERR_UNSUPPORTED_TYPE, "%s: no %s kernel for %s", fn, quantize ? "quantize" : "dequantize", t->name);
    job.src = static_cast<const char*>(src);
    job.src_stride = src_stride;
    job.dst = static_cast<char*>(dst);
    job.dst_stride = dst_stride;
    job.n_rows = n_rows;
    job.n_cols = n_cols;
    pool->pool.run(convert_rows, &job);
    return NI_OK;
}

}  // namespace
}  // namespace ni

extern "C" {

NI_API ni_status ni_quantize_rows(ni_pool* pool, int32_t type, void* dst, size_t dst_row_stride,
                                  const float* src, size_t src_row_stride, int64_t n_rows, int64_t n_cols) {
    NI_GUARD_BEGIN
    return ni::convert("ni_quantize_rows", pool, type, true, dst, dst_row_stride, src, src_row_stride, n_rows, n_cols);
    NI_GUARD_END
}

NI_API ni_status ni_dequantize_rows(ni_pool* pool, int32_t type, float* dst, size_t dst_row_stride,
                                    const void* src, size_t src_row_stride, int64_t n_rows, int64_t n_cols) {
    NI_GUARD_BEGIN
    return ni::convert("ni_dequantize_rows", pool, type, false, dst, dst_row_stride, src, src_row_stride, n_rows, n_cols);
    NI_GUARD_END
}

}  // extern "C"
