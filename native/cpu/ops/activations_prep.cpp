#include "activations_prep.h"

#include <atomic>

namespace ni {
namespace {

struct prepare_job {
    quantize_row_fn prepare;
    const char* x;
    size_t x_stride, x_batch;
    char* out;
    size_t out_stride;
    int64_t n, rows, k;
    std::atomic<int64_t> next{0};
};

void prepare_rows(void* vctx, int, int) {
    auto* job = static_cast<prepare_job*>(vctx);
    for (int64_t i; (i = job->next.fetch_add(1, std::memory_order_relaxed)) < job->rows;) {
        const int64_t b = i / job->n, r = i % job->n;
        job->prepare(reinterpret_cast<const float*>(job->x + b * job->x_batch + r * job->x_stride), job->out + i * job->out_stride, job->k);
    }
}

}  // namespace

void prepare_activation_rows(thread_pool& tp, quantize_row_fn prepare, const char* x, size_t x_stride, size_t x_batch,
                             int64_t n, int64_t batch, int64_t k, char* out, size_t out_stride) {
    prepare_job job;
    job.prepare = prepare;
    job.x = x;
    job.x_stride = x_stride;
    job.x_batch = x_batch;
    job.out = out;
    job.out_stride = out_stride;
    job.n = n;
    job.rows = n * batch;
    job.k = k;
    if (job.rows == 1) prepare_rows(&job, 0, 1);
    else tp.run(prepare_rows, &job);
}

}  // namespace ni
