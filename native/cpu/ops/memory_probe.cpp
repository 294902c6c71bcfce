// ni_memory_read: the STREAM-like read probe benchmarks measure bandwidth with. Threads take
// 256 KB chunks dynamically, as the matmul workers take rows, so both see the same memory system.
#include <atomic>

#include "../runtime/pool_handle.h"
#include "validate.h"

namespace ni {
namespace {

constexpr size_t kChunk = 256 * 1024;

struct read_job {
    read_sum_fn sum;
    const char* data;
    size_t bytes;
    std::atomic<size_t> next{0};
    std::atomic<uint64_t> checksum{0};
};

void read_chunks(void* vctx, int, int) {
    auto* job = static_cast<read_job*>(vctx);
    uint64_t local = 0;
    for (;;) {
        const size_t at = job->next.fetch_add(kChunk, std::memory_order_relaxed);
        if (at >= job->bytes) break;
        const size_t len = job->bytes - at < kChunk ? job->bytes - at : kChunk;
        local += job->sum(job->data + at, len);
    }
    job->checksum.fetch_add(local, std::memory_order_relaxed);
}

}  // namespace
}  // namespace ni

extern "C" NI_API ni_status ni_memory_read(ni_pool* pool, const void* data, size_t bytes, uint64_t* out_checksum) {
    NI_GUARD_BEGIN
    NI_CHECK_NOT_NULL(pool);
    NI_CHECK_NOT_NULL(data);
    NI_CHECK_NOT_NULL(out_checksum);
    if (bytes == 0 || bytes % 64 != 0)
        return ni::fail(NI_ERR_INVALID_ARGUMENT, "ni_memory_read: bytes = %zu must be a positive multiple of 64", bytes);
    if (reinterpret_cast<uintptr_t>(data) % 64 != 0)
        return ni::fail(NI_ERR_INVALID_ARGUMENT, "ni_memory_read: data must be 64-byte aligned");
    if (!ni::checked(bytes).ok() || !ni::fits_address_space(data, bytes))
        return ni::fail(NI_ERR_INVALID_ARGUMENT, "ni_memory_read: data would span more than the address space (bytes = %zu)", bytes);
    std::lock_guard<std::mutex> lock(pool->pool.call_mutex());
    ni::read_job job;
    job.sum = pool->pool.kernels().read_sum;
    job.data = static_cast<const char*>(data);
    job.bytes = bytes;
    pool->pool.run(ni::read_chunks, &job);
    *out_checksum = job.checksum.load();
    return NI_OK;
    NI_GUARD_END
}
