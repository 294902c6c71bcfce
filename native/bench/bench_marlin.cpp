// bench_marlin: the Marlin-style int4 GEMM (ni_cuda_marlin_gemm) against cuBLAS FP16 (cublasGemmEx,
// f32 accumulation) on DeepSeek-V2-Lite shapes at M = 1, 16, 64.
//
// Reports per shape: time of each, the speed-up, and the int4 kernel's achieved bandwidth
// (packed weights + scales + A + C bytes / time) as a fraction of the device's peak memory
// bandwidth (memory clock × bus width × 2). Targets (ARCHITECTURE.md §7): ≥ 3.3× over FP16 at
// M ≤ 16 on the large shapes, ≥ 80 % of HBM bandwidth at M = 1.
//
// Every timed call reads weights that are not in L2: each side rotates through enough copies of its
// weights to cover 4× the L2 size. Not part of ctest; run it by hand on a GPU machine:
//   cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release && cmake --build build/native --target bench_marlin
//   build/native/bin/bench_marlin [--device 0] [--iters 200]
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/half.h"
#include "nativeinfer.h"

namespace {

#define CHECK_CUDA(call)                                                                                      \
    do {                                                                                                      \
        const cudaError_t e_ = (call);                                                                        \
        if (e_ != cudaSuccess) {                                                                              \
            std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e_));       \
            std::exit(1);                                                                                     \
        }                                                                                                     \
    } while (0)
#define CHECK_CUBLAS(call)                                                                                    \
    do {                                                                                                      \
        const cublasStatus_t s_ = (call);                                                                     \
        if (s_ != CUBLAS_STATUS_SUCCESS) {                                                                    \
            std::fprintf(stderr, "%s:%d: %s: cuBLAS status %d\n", __FILE__, __LINE__, #call, (int)s_);       \
            std::exit(1);                                                                                     \
        }                                                                                                     \
    } while (0)
#define CHECK_NI(call)                                                                                        \
    do {                                                                                                      \
        if ((call) != NI_OK) {                                                                                \
            std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, ni_cuda_last_error());        \
            std::exit(1);                                                                                     \
        }                                                                                                     \
    } while (0)

struct Shape {
    const char* name;
    int64_t k, n;
};

// Milliseconds per call of fn(i) averaged over `iters` calls on the legacy default stream (which
// both ni_cuda_marlin_gemm with a NULL stream and a default cuBLAS handle use).
template <class Fn>
double time_ms(int iters, Fn&& fn) {
    for (int i = 0; i < 5; ++i) fn(i);  // warm-up: module load, cuBLAS heuristics
    CHECK_CUDA(cudaDeviceSynchronize());
    cudaEvent_t start, stop;
    CHECK_CUDA(cudaEventCreate(&start));
    CHECK_CUDA(cudaEventCreate(&stop));
    CHECK_CUDA(cudaEventRecord(start, 0));
    for (int i = 0; i < iters; ++i) fn(i);
    CHECK_CUDA(cudaEventRecord(stop, 0));
    CHECK_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    CHECK_CUDA(cudaEventElapsedTime(&ms, start, stop));
    CHECK_CUDA(cudaEventDestroy(start));
    CHECK_CUDA(cudaEventDestroy(stop));
    return ms / iters;
}

}  // namespace

int main(int argc, char** argv) {
    int device = 0, iters = 200;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--device")) device = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--iters")) iters = std::atoi(argv[i + 1]);
    }
    int32_t count = 0;
    if (ni_cuda_device_count(&count) != NI_OK) {
        std::fprintf(stderr, "bench_marlin: %s\n", ni_cuda_last_error());
        return 77;
    }
    ni_cuda_device_info info;
    CHECK_NI(ni_cuda_device_get_info(device, &info));
    if (!info.marlin_supported) {
        std::fprintf(stderr, "bench_marlin: %s (sm_%d%d) cannot run the kernel (needs sm_80+)\n", info.name, info.compute_major, info.compute_minor);
        return 77;
    }
    CHECK_CUDA(cudaSetDevice(device));
    int l2 = 0;
    CHECK_CUDA(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device));
    std::printf("device %d: %s, sm_%d%d, %d SMs, L2 %d MB, peak memory bandwidth %.0f GB/s, %d iterations per point\n", device, info.name,
                info.compute_major, info.compute_minor, info.sm_count, l2 >> 20, info.memory_bandwidth / 1e9, iters);
    std::printf("%-22s %4s %11s %11s %8s %9s %7s\n", "shape (K x N)", "M", "int4 us", "fp16 us", "speedup", "int4 GB/s", "% peak");

    cublasHandle_t handle;
    CHECK_CUBLAS(cublasCreate(&handle));
    const Shape shapes[] = {
        {"attn q 2048x3072", 2048, 3072}, {"attn kv_a 2048x576", 2048, 576}, {"expert up 2048x1408", 2048, 1408},
        {"expert down 1408x2048", 1408, 2048}, {"attn o 2048x2048", 2048, 2048}, {"kv_b 512x4096", 512, 4096},
        {"dense up 2048x10944", 2048, 10944}, {"lm_head 2048x102400", 2048, 102400},
    };
    const int64_t max_m = 64, group = 128;

    for (const Shape& sh : shapes) {
        const int64_t k = sh.k, n = sh.n;
        size_t wb = 0, sb = 0, ws = 0;
        if (ni_cuda_marlin_packed_size(n, k, group, &wb, &sb) != NI_OK) {
            std::printf("%-22s skipped: %s\n", sh.name, ni_cuda_last_error());
            continue;
        }
        CHECK_NI(ni_cuda_marlin_workspace_size(n, &ws));
        const size_t dense_bytes = (size_t)(k * n * 2);
        const int copies_int4 = (int)std::min<size_t>(64, std::max<size_t>(1, 4 * (size_t)l2 / (wb + sb) + 1));
        const int copies_fp16 = (int)std::min<size_t>(64, std::max<size_t>(1, 4 * (size_t)l2 / dense_bytes + 1));

        // Weights: random F16 [N][K], repacked to int4 (group 128) and uploaded `copies` times.
        std::vector<uint16_t> w((size_t)(n * k));
        uint64_t x = 88172645463325252ull;
        for (auto& v : w) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            v = ni::f32_to_fp16((float)((int64_t)(x % 2001) - 1000) * 5e-5f);
        }
        std::vector<uint8_t> pb(wb), ps(sb);
        CHECK_NI(ni_cuda_marlin_repack(NI_TYPE_F16, w.data(), (size_t)k * 2, n, k, group, pb.data(), ps.data()));
        std::vector<ni_cuda_buffer*> qb(copies_int4), qs(copies_int4);
        for (int i = 0; i < copies_int4; ++i) {
            CHECK_NI(ni_cuda_malloc(device, wb, &qb[i]));
            CHECK_NI(ni_cuda_malloc(device, sb, &qs[i]));
            CHECK_NI(ni_cuda_memcpy_to_device(nullptr, qb[i], 0, pb.data(), wb));
            CHECK_NI(ni_cuda_memcpy_to_device(nullptr, qs[i], 0, ps.data(), sb));
        }
        ni_cuda_buffer *a, *c, *work;
        CHECK_NI(ni_cuda_malloc(device, (size_t)(max_m * k * 2), &a));
        CHECK_NI(ni_cuda_malloc(device, (size_t)(max_m * n * 2), &c));
        CHECK_NI(ni_cuda_malloc(device, ws, &work));
        std::vector<uint16_t> ah((size_t)(max_m * k));
        for (auto& v : ah) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            v = ni::f32_to_fp16((float)((int64_t)(x % 2001) - 1000) * 1e-3f);
        }
        CHECK_NI(ni_cuda_memcpy_to_device(nullptr, a, 0, ah.data(), ah.size() * 2));

        // cuBLAS: the same A, a dense f16 B [K][N] (row-major) in `copies` copies.
        std::vector<void*> db(copies_fp16);
        for (int i = 0; i < copies_fp16; ++i) {
            CHECK_CUDA(cudaMalloc(&db[i], dense_bytes));
            CHECK_CUDA(cudaMemcpy(db[i], w.data(), dense_bytes, cudaMemcpyHostToDevice));  // any f16 values do
        }
        void *a_ptr = nullptr, *dc = nullptr;
        CHECK_NI(ni_cuda_buffer_get_info(a, nullptr, nullptr, &a_ptr));
        CHECK_CUDA(cudaMalloc(&dc, (size_t)(max_m * n * 2)));

        for (int64_t m : {1, 16, 64}) {
            const double t_int4 = time_ms(iters, [&](int i) {
                const int j = i % copies_int4;
                CHECK_NI(ni_cuda_marlin_gemm(nullptr, c, 0, (size_t)n * 2, a, 0, (size_t)k * 2, qb[j], 0, qs[j], 0, work, m, n, k, group));
            });
            const float alpha = 1.0f, beta = 0.0f;
            // Row-major C[M][N] = A[M][K] · B[K][N] is column-major Cᵀ[N][M] = Bᵀ[N][K] · Aᵀ[K][M].
            const double t_fp16 = time_ms(iters, [&](int i) {
                CHECK_CUBLAS(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, (int)n, (int)m, (int)k, &alpha, db[i % copies_fp16], CUDA_R_16F, (int)n,
                                          a_ptr, CUDA_R_16F, (int)k, &beta, dc, CUDA_R_16F, (int)n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
            });
            const double bytes = (double)wb + (double)sb + (double)(m * k * 2) + (double)(m * n * 2);
            const double gbs = bytes / (t_int4 * 1e-3) / 1e9;
            std::printf("%-22s %4lld %11.2f %11.2f %7.2fx %9.0f %6.1f%%\n", sh.name, (long long)m, t_int4 * 1e3, t_fp16 * 1e3, t_fp16 / t_int4, gbs,
                        info.memory_bandwidth ? 100.0 * gbs * 1e9 / (double)info.memory_bandwidth : 0.0);
        }
        CHECK_NI(ni_cuda_stream_synchronize(nullptr));
        for (int i = 0; i < copies_int4; ++i) {
            ni_cuda_free(qb[i]);
            ni_cuda_free(qs[i]);
        }
        for (void* p : db) cudaFree(p);
        cudaFree(dc);
        ni_cuda_free(a);
        ni_cuda_free(c);
        ni_cuda_free(work);
    }
    cublasDestroy(handle);
    return 0;
}
