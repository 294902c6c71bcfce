// The pool: creation with every ISA the CPU has and with many threads, the environment override,
// scratch reuse (no growth in a steady loop), and concurrent callers on one pool.
#include <cstring>
#include <thread>

#include "test_common.h"

int main() {
    ni_cpu_info info;
    NT_CHECK_OK(ni_cpu_get_info(&info));
    std::printf("CPU: %s, features 0x%x, best %s, auto %s, %d logical CPUs\n", info.brand, info.features,
                ni_isa_name(info.best_isa), ni_isa_name(info.auto_isa), info.logical_cpus);
    NT_CHECK(info.best_isa >= NI_ISA_SCALAR && info.auto_isa >= NI_ISA_SCALAR, "resolved ISAs");

    for (int isa : nt::supported_isas()) {
        for (int threads : {1, 2, 7, 32}) {
            ni_pool* p = nullptr;
            NT_CHECK_OK(ni_pool_create(threads, isa, &p));
            int32_t n = 0, got_isa = 0;
            NT_CHECK_OK(ni_pool_get_info(p, &n, &got_isa));
            NT_CHECK(n == threads && got_isa == isa, "pool info %d/%d", n, got_isa);
            NT_CHECK_OK(ni_pool_destroy(p));
        }
    }
    ni_pool* p = nullptr;
    NT_CHECK_OK(ni_pool_create(0, NI_ISA_AUTO, &p));
    int32_t n = 0;
    ni_pool_get_info(p, &n, nullptr);
    NT_CHECK(n == info.logical_cpus, "0 threads means all logical CPUs (%d vs %d)", n, info.logical_cpus);
    ni_pool_destroy(p);

    // Environment override of NI_ISA_AUTO.
    setenv("NATIVEINFER_ISA", "scalar", 1);
    int32_t isa = -1;
    NT_CHECK_OK(ni_pool_create(1, NI_ISA_AUTO, &p));
    ni_pool_get_info(p, nullptr, &isa);
    NT_CHECK(isa == NI_ISA_SCALAR, "NATIVEINFER_ISA=scalar gives %s", ni_isa_name(isa));
    ni_pool_destroy(p);
    setenv("NATIVEINFER_ISA", "sse9", 1);
    ni_status st = ni_pool_create(1, NI_ISA_AUTO, &p);
    NT_CHECK(st == NI_ERR_UNSUPPORTED_ISA && std::strstr(ni_last_error(), "sse9"), "bad override: %s", ni_last_error());
    unsetenv("NATIVEINFER_ISA");

    // A steady loop reuses scratch; concurrent callers on one pool are serialized and correct.
    nt::pool pool(2, NI_ISA_AUTO);
    const int64_t K = 512, M = 64, N = 8;
    nt::rng r(5);
    std::vector<float> wf = nt::make_data(r, M * K), x = nt::make_data(r, N * K);
    const size_t row = nt::row_size(NI_TYPE_Q8_0, K);
    std::vector<uint8_t> w(row * M);
    NT_CHECK_OK(ni_quantize_rows(pool, NI_TYPE_Q8_0, w.data(), row, wf.data(), K * 4, M, K));
    std::vector<float> y_ref(N * M);
    NT_CHECK_OK(ni_matmul(pool, NI_TYPE_Q8_0, w.data(), row, x.data(), K * 4, y_ref.data(), M * 4, N, M, K));
    size_t scratch_before = 0, scratch_after = 0;
    ni_pool_scratch_bytes(pool, &scratch_before);
    for (int i = 0; i < 1000; ++i) ni_matmul(pool, NI_TYPE_Q8_0, w.data(), row, x.data(), K * 4, y_ref.data(), M * 4, N, M, K);
    ni_pool_scratch_bytes(pool, &scratch_after);
    NT_CHECK(scratch_before == scratch_after && scratch_after > 0, "scratch grew in a steady loop: %zu → %zu", scratch_before, scratch_after);

    std::vector<std::thread> callers;
    std::vector<int> mismatches(4, 0);
    for (int c = 0; c < 4; ++c) {
        callers.emplace_back([&, c] {
            std::vector<float> y(N * M);
            for (int i = 0; i < 200; ++i) {
                if (ni_matmul(pool, NI_TYPE_Q8_0, w.data(), row, x.data(), K * 4, y.data(), M * 4, N, M, K) != NI_OK ||
                    std::memcmp(y.data(), y_ref.data(), y.size() * 4) != 0)
                    ++mismatches[c];
            }
        });
    }
    for (auto& t : callers) t.join();
    for (int c = 0; c < 4; ++c) NT_CHECK(mismatches[c] == 0, "concurrent caller %d saw %d wrong results", c, mismatches[c]);
    return nt::finish("test_thread_pool");
}
