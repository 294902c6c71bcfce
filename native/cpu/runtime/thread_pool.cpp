#include "thread_pool.h"

#include <chrono>
#include <cstdint>
#include <cstdlib>

#include "../core/error.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define NI_CPU_RELAX() _mm_pause()
#else
#define NI_CPU_RELAX() ((void)0)
#endif

namespace ni {
namespace {

// How long a thread spins before sleeping on the futex. A decode step issues ~12 kernels per layer
// with the managed work between them (up to a few hundred microseconds) and the next step follows
// within a millisecond, so 2 ms keeps the workers awake for a whole generation and no longer. A
// sleeping worker costs a futex wake-up per kernel, and on a virtual machine a sleeping vCPU halts:
// waking it goes through the host and took 0.1-1 ms under load here (decode 10-13 tokens/s with a
// 50 us spin against 19 with this one, docs/benchmarks.md). llama.cpp's workers spin likewise.
constexpr auto kSpin = std::chrono::microseconds(2000);

// Waits until `value` differs from `old`: spin first, then block (C++20 atomic wait = futex).
template <typename T>
void wait_for_change(const std::atomic<T>& value, T old) {
    const auto deadline = std::chrono::steady_clock::now() + kSpin;
    for (int i = 0;; ++i) {
        if (value.load(std::memory_order_acquire) != old) return;
        NI_CPU_RELAX();
        if ((i & 63) == 63 && std::chrono::steady_clock::now() > deadline) break;
    }
    while (value.load(std::memory_order_acquire) == old) value.wait(old, std::memory_order_acquire);
}

}  // namespace

thread_pool::thread_pool(int n_threads, const kernel_table& kernels)
    : n_threads_(n_threads), kernels_(kernels) {
    workers_.reserve((size_t)(n_threads - 1));
    try {
        for (int i = 1; i < n_threads; ++i) workers_.emplace_back(&thread_pool::worker_main, this, i);
    } catch (...) {
        stopping_.store(true);
        generation_.fetch_add(1, std::memory_order_release);
        generation_.notify_all();
        for (auto& t : workers_) t.join();
        throw;
    }
}

thread_pool::~thread_pool() {
    stopping_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    for (auto& t : workers_) t.join();
    std::free(scratch_);
}

void thread_pool::run(job_fn fn, void* ctx) {
    if (n_threads_ == 1) {
        fn(ctx, 0, 1);
        return;
    }
    job_fn_ = fn;
    job_ctx_ = ctx;
    pending_.store(n_threads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);  // publishes job_fn_/job_ctx_
    generation_.notify_all();
    fn(ctx, 0, n_threads_);
    for (int left = pending_.load(std::memory_order_acquire); left != 0;
         left = pending_.load(std::memory_order_acquire)) {
        wait_for_change(pending_, left);
    }
}

void thread_pool::worker_main(int index) {
    uint32_t seen = 0;
    for (;;) {
        wait_for_change(generation_, seen);
        seen = generation_.load(std::memory_order_acquire);
        if (stopping_.load(std::memory_order_acquire)) return;
        job_fn_(job_ctx_, index, n_threads_);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
    }
}

void* thread_pool::scratch(size_t bytes) {
    if (bytes <= scratch_size_) return scratch_;
    if (bytes > (size_t)PTRDIFF_MAX / 2) return nullptr;  // no such allocation can succeed; keeps the headroom from wrapping
    const size_t size = align64(bytes + bytes / 4);  // headroom so slowly growing calls do not realloc each time
    void* p = std::aligned_alloc(64, size);
    if (!p) return nullptr;
    std::free(scratch_);
    scratch_ = p;
    scratch_size_ = size;
    return scratch_;
}

}  // namespace ni
