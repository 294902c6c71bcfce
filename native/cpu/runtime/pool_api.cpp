// ni_pool_*: creation, destruction and queries of the thread pool handle.
#include <new>
#include <thread>

#include "../core/error.h"
#include "../dispatch/cpu_features.h"
#include "pool_handle.h"

namespace {
constexpr int kMaxThreads = 1024;
}

extern "C" {

NI_API ni_status ni_pool_create(int32_t n_threads, int32_t isa, ni_pool** out_pool) {
    NI_GUARD_BEGIN
    NI_CHECK_NOT_NULL(out_pool);
    *out_pool = nullptr;
    if (n_threads < 0 || n_threads > kMaxThreads)
        return ni::fail(NI_ERR_INVALID_ARGUMENT, "ni_pool_create: n_threads must be in [0, %d] (got %d)", kMaxThreads, n_threads);
    if (n_threads == 0) {
        n_threads = (int32_t)std::thread::hardware_concurrency();
        if (n_threads <= 0) n_threads = 1;
    }
    int resolved = 0;
    ni_status st = ni::resolve_isa(isa, &resolved);
    if (st != NI_OK) return st;
    *out_pool = new ni_pool(n_threads, resolved);
    return NI_OK;
    NI_GUARD_END
}

NI_API ni_status ni_pool_destroy(ni_pool* pool) {
    NI_GUARD_BEGIN
    delete pool;
    return NI_OK;
    NI_GUARD_END
}

NI_API ni_status ni_pool_get_info(const ni_pool* pool, int32_t* out_n_threads, int32_t* out_isa) {
    NI_GUARD_BEGIN
    NI_CHECK_NOT_NULL(pool);
    if (out_n_threads) *out_n_threads = pool->pool.size();
    if (out_isa) *out_isa = pool->isa;
    return NI_OK;
    NI_GUARD_END
}

NI_API ni_status ni_pool_scratch_bytes(const ni_pool* pool, size_t* out_bytes) {
    NI_GUARD_BEGIN
    NI_CHECK_NOT_NULL(pool);
    NI_CHECK_NOT_NULL(out_bytes);
    *out_bytes = pool->pool.scratch_bytes();
    return NI_OK;
    NI_GUARD_END
}

}  // extern "C"
