// A persistent fork-join pool. run() hands one job to every thread (the caller is thread 0) and
// returns when all have finished; jobs split their work with an atomic chunk counter
// (dynamic chunking), so a slow core simply takes fewer chunks.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "../dispatch/kernels.h"

namespace ni {

using job_fn = void (*)(void* ctx, int thread_index, int n_threads);

class thread_pool {
public:
    thread_pool(int n_threads, const kernel_table& kernels);
    ~thread_pool();
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;

    int size() const { return n_threads_; }
    const kernel_table& kernels() const { return kernels_; }

    // Runs fn(ctx, i, n) on every thread i in [0, n) and waits for all of them.
    void run(job_fn fn, void* ctx);

    // Serializes public calls on one pool (scratch and workers are shared state).
    std::mutex& call_mutex() { return call_mutex_; }

    // Scratch memory of at least `bytes`, 64-byte aligned, valid until the next call that asks
    // for more. Only call with call_mutex() held. nullptr on allocation failure.
    void* scratch(size_t bytes);
    size_t scratch_bytes() const { return scratch_size_; }

private:
    void worker_main(int index);

    const int n_threads_;
    const kernel_table& kernels_;
    std::vector<std::thread> workers_;
    std::mutex call_mutex_;

    // Job hand-off: the caller publishes (fn, ctx), bumps generation_; workers wait for a new
    // generation, run, and count down pending_.
    job_fn job_fn_ = nullptr;
    void* job_ctx_ = nullptr;
    std::atomic<uint32_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<bool> stopping_{false};

    void* scratch_ = nullptr;
    size_t scratch_size_ = 0;
};

// Rounds up to a multiple of 64 bytes (cache line), for carving scratch into aligned pieces.
inline size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

}  // namespace ni
