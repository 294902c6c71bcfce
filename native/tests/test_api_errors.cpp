// Every bad argument returns an error status with a message naming the problem — never a crash —
// and ni_last_error() is per thread.
#include <cstring>
#include <thread>

#include "test_common.h"

namespace {

#define EXPECT_ERR NT_EXPECT_ERR

void check_basics() {
    NT_CHECK(ni_abi_version() == NI_ABI_VERSION, "abi version %u", ni_abi_version());
    NT_CHECK(std::strcmp(ni_status_name(NI_ERR_SHAPE), "NI_ERR_SHAPE") == 0, "status name");
    NT_CHECK(std::strcmp(ni_status_name(99), "NI_ERR_UNKNOWN") == 0, "unknown status name");
    NT_CHECK(std::strcmp(ni_isa_name(NI_ISA_AVX512_VNNI), "avx512_vnni") == 0, "isa name");
    ni_type_info info;
    NT_CHECK_OK(ni_type_get_info(NI_TYPE_Q4_K, &info));
    NT_CHECK(info.block_size == 256 && info.block_bytes == 144 && info.activation_type == NI_TYPE_Q8_K &&
                 std::strcmp(info.name, "q4_K") == 0, "q4_K info");
    EXPECT_ERR(ni_type_get_info(24, &info), NI_ERR_UNSUPPORTED_TYPE, "unknown type id 24");  // ggml's I8
    EXPECT_ERR(ni_type_get_info(NI_TYPE_Q4_0, nullptr), NI_ERR_INVALID_ARGUMENT, "out is null");
    size_t bytes = 0;
    NT_CHECK_OK(ni_row_size(NI_TYPE_Q6_K, 512, &bytes));
    NT_CHECK(bytes == 420, "q6_K row of 512 = %zu bytes", bytes);
    EXPECT_ERR(ni_row_size(NI_TYPE_Q4_K, 1408, &bytes), NI_ERR_SHAPE, "1408 columns is not a multiple of the q4_K block size 256");
    EXPECT_ERR(ni_row_size(NI_TYPE_Q4_0, -32, &bytes), NI_ERR_INVALID_ARGUMENT, "n_cols");
}

void check_pool_errors() {
    ni_pool* p = reinterpret_cast<ni_pool*>(0x1);
    EXPECT_ERR(ni_pool_create(-1, NI_ISA_AUTO, &p), NI_ERR_INVALID_ARGUMENT, "n_threads");
    NT_CHECK(p == nullptr, "out_pool is cleared on failure");
    EXPECT_ERR(ni_pool_create(1, 42, &p), NI_ERR_INVALID_ARGUMENT, "unknown ISA id 42");
    EXPECT_ERR(ni_pool_create(1, NI_ISA_AUTO, nullptr), NI_ERR_INVALID_ARGUMENT, "out_pool is null");
    ni_cpu_info info;
    ni_cpu_get_info(&info);
    if (info.best_isa < NI_ISA_AVX512_VNNI)
        EXPECT_ERR(ni_pool_create(1, NI_ISA_AVX512_VNNI, &p), NI_ERR_UNSUPPORTED_ISA, "not supported on this CPU");
    NT_CHECK_OK(ni_pool_destroy(nullptr));
    EXPECT_ERR(ni_pool_get_info(nullptr, nullptr, nullptr), NI_ERR_INVALID_ARGUMENT, "pool is null");
}

void check_matmul_errors(ni_pool* pool) {
    const int64_t K = 64, M = 4, N = 2;
    std::vector<uint8_t> w(nt::row_size(NI_TYPE_Q4_0, K) * M);
    std::vector<float> x(N * K, 1.0f), y(N * M);
    const size_t ws = nt::row_size(NI_TYPE_Q4_0, K);
    NT_CHECK_OK(ni_matmul(pool, NI_TYPE_Q4_0, w.data(), ws, x.data(), K * 4, y.data(), M * 4, N, M, K));
    EXPECT_ERR(ni_matmul(nullptr, NI_TYPE_Q4_0, w.data(), ws, x.data(), K * 4, y.data(), M * 4, N, M, K), NI_ERR_INVALID_ARGUMENT, "pool is null");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, nullptr, ws, x.data(), K * 4, y.data(), M * 4, N, M, K), NI_ERR_INVALID_ARGUMENT, "w is null");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w.data(), ws, nullptr, K * 4, y.data(), M * 4, N, M, K), NI_ERR_INVALID_ARGUMENT, "x is null");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w.data(), ws, x.data(), K * 4, nullptr, M * 4, N, M, K), NI_ERR_INVALID_ARGUMENT, "y is null");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w.data(), ws, x.data(), K * 4, y.data(), M * 4, 0, M, K), NI_ERR_INVALID_ARGUMENT, "n must be > 0");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w.data(), ws, x.data(), K * 4, y.data(), M * 4, N, 0, K), NI_ERR_INVALID_ARGUMENT, "m must be > 0");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w.data(), ws, x.data(), K * 4, y.data(), M * 4, N, M, 0), NI_ERR_INVALID_ARGUMENT, "k must be > 0");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w.data(), ws, x.data(), K * 4, y.data(), M * 4, N, M, 48), NI_ERR_SHAPE, "k = 48 is not a multiple of the q4_0 block size 32");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_K, w.data(), ws, x.data(), K * 4, y.data(), M * 4, N, M, K), NI_ERR_SHAPE, "q4_K block size 256");
    EXPECT_ERR(ni_matmul(pool, 5, w.data(), ws, x.data(), K * 4, y.data(), M * 4, N, M, K), NI_ERR_UNSUPPORTED_TYPE, "unknown type id 5");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q8_K, w.data(), ws, x.data(), K * 4, y.data(), M * 4, N, M, 256), NI_ERR_UNSUPPORTED_TYPE, "activation format");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w.data(), ws - 1, x.data(), K * 4, y.data(), M * 4, N, M, K), NI_ERR_INVALID_ARGUMENT, "w_row_stride");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w.data(), ws, x.data(), K * 4 - 4, y.data(), M * 4, N, M, K), NI_ERR_INVALID_ARGUMENT, "x_row_stride");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w.data(), ws, x.data(), K * 4 + 2, y.data(), M * 4, N, M, K), NI_ERR_INVALID_ARGUMENT, "not a multiple of 4");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w.data(), ws, x.data(), K * 4, y.data(), M * 4 - 4, N, M, K), NI_ERR_INVALID_ARGUMENT, "y_row_stride");
    EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w.data(), ws, x.data(), K * 4, x.data() + 8, M * 4, N, M, K), NI_ERR_INVALID_ARGUMENT, "y overlaps x");
}

void check_quantize_errors(ni_pool* pool) {
    std::vector<float> x(512, 1.0f);
    std::vector<uint8_t> q(2048);
    EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_Q4_K, q.data(), 144, x.data(), 512, 1, 128), NI_ERR_SHAPE, "n_cols = 128");
    EXPECT_ERR(ni_quantize_rows(pool, 77, q.data(), 144, x.data(), 1024, 1, 256), NI_ERR_UNSUPPORTED_TYPE, "unknown type id 77");
    EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_Q8_0, nullptr, 34, x.data(), 128, 1, 32), NI_ERR_INVALID_ARGUMENT, "dst is null");
    EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_Q8_0, q.data(), 34, x.data(), 128, 0, 32), NI_ERR_INVALID_ARGUMENT, "n_rows");
    EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_Q8_0, q.data(), 33, x.data(), 128, 1, 32), NI_ERR_INVALID_ARGUMENT, "dst_row_stride");
    EXPECT_ERR(ni_dequantize_rows(pool, NI_TYPE_Q8_0, x.data(), 128, nullptr, 34, 1, 32), NI_ERR_INVALID_ARGUMENT, "src is null");
    EXPECT_ERR(ni_dequantize_rows(nullptr, NI_TYPE_Q8_0, x.data(), 128, q.data(), 34, 1, 32), NI_ERR_INVALID_ARGUMENT, "pool is null");
}

void check_moe_errors(ni_pool* pool) {
    const int64_t E = 4, H = 64, F = 64, T = 2, K = 2;
    const size_t row = nt::row_size(NI_TYPE_Q8_0, 64);
    std::vector<uint8_t> gate(row * E * F), up(row * E * F), down(row * E * H);
    std::vector<float> x(T * H, 0.5f), out(T * H), wts(T * K, 0.5f);
    std::vector<int32_t> ids = {0, 1, 2, 3};
    ni_moe_weights W{gate.data(), up.data(), down.data(), NI_TYPE_Q8_0, NI_TYPE_Q8_0, NI_TYPE_Q8_0, 0, E, H, F};
    NT_CHECK_OK(ni_moe_experts(pool, &W, x.data(), H * 4, ids.data(), wts.data(), T, K, out.data(), H * 4, 0));
    EXPECT_ERR(ni_moe_experts(pool, nullptr, x.data(), H * 4, ids.data(), wts.data(), T, K, out.data(), H * 4, 0), NI_ERR_INVALID_ARGUMENT, "weights is null");
    std::vector<int32_t> bad = {0, 1, 4, 2};
    EXPECT_ERR(ni_moe_experts(pool, &W, x.data(), H * 4, bad.data(), wts.data(), T, K, out.data(), H * 4, 0), NI_ERR_INVALID_ARGUMENT, "expert_ids[1][0] = 4 is outside [0, 4)");
    bad = {0, -1, 1, 2};
    EXPECT_ERR(ni_moe_experts(pool, &W, x.data(), H * 4, bad.data(), wts.data(), T, K, out.data(), H * 4, 0), NI_ERR_INVALID_ARGUMENT, "expert_ids[0][1] = -1");
    EXPECT_ERR(ni_moe_experts(pool, &W, x.data(), H * 4, ids.data(), wts.data(), 0, K, out.data(), H * 4, 0), NI_ERR_INVALID_ARGUMENT, "n_tokens");
    EXPECT_ERR(ni_moe_experts(pool, &W, x.data(), H * 4, ids.data(), wts.data(), T, 5, out.data(), H * 4, 0), NI_ERR_INVALID_ARGUMENT, "top_k");
    EXPECT_ERR(ni_moe_experts(pool, &W, x.data(), H * 4, ids.data(), wts.data(), T, K, out.data(), H * 4, 0x80), NI_ERR_INVALID_ARGUMENT, "unknown flags");
    EXPECT_ERR(ni_moe_experts(pool, &W, x.data(), H * 4, ids.data(), wts.data(), T, K, x.data(), H * 4, 0), NI_ERR_INVALID_ARGUMENT, "out overlaps x");
    ni_moe_weights bad_w = W;
    bad_w.down = nullptr;
    EXPECT_ERR(ni_moe_experts(pool, &bad_w, x.data(), H * 4, ids.data(), wts.data(), T, K, out.data(), H * 4, 0), NI_ERR_INVALID_ARGUMENT, "weights->down is null");
    bad_w = W;
    bad_w.down_type = NI_TYPE_Q4_K;
    EXPECT_ERR(ni_moe_experts(pool, &bad_w, x.data(), H * 4, ids.data(), wts.data(), T, K, out.data(), H * 4, 0), NI_ERR_SHAPE, "weights->ffn (columns of down) = 64");
    bad_w = W;
    bad_w.gate_type = 99;
    EXPECT_ERR(ni_moe_experts(pool, &bad_w, x.data(), H * 4, ids.data(), wts.data(), T, K, out.data(), H * 4, 0), NI_ERR_UNSUPPORTED_TYPE, "gate_type");
    bad_w = W;
    bad_w.n_experts = 0;
    EXPECT_ERR(ni_moe_experts(pool, &bad_w, x.data(), H * 4, ids.data(), wts.data(), T, K, out.data(), H * 4, 0), NI_ERR_INVALID_ARGUMENT, "n_experts");
}

// Typed data must keep its natural alignment (nativeinfer.h): f32 values and Q8_K blocks 4 bytes,
// fp16-scaled blocks and f16/bf16 values 2. A misaligned pointer or stride is an error naming it.
int natural_alignment(int type) { return type == NI_TYPE_F32 || type == NI_TYPE_Q8_K ? 4 : 2; }

void check_alignment_errors(ni_pool* pool) {
    alignas(64) static uint8_t q[16384];
    alignas(64) static float f[2048];
    alignas(64) static float y[2048];
    const uint8_t* odd = q + 1;
    for (int type : {NI_TYPE_F32, NI_TYPE_F16, NI_TYPE_BF16, NI_TYPE_Q4_0, NI_TYPE_Q8_0, NI_TYPE_Q4_K, NI_TYPE_Q6_K, NI_TYPE_Q8_K}) {
        const int64_t k = 256;
        const size_t row = nt::row_size(type, k);
        const int a = natural_alignment(type);
        EXPECT_ERR(ni_quantize_rows(pool, type, q + 1, row + 1, f, k * 4, 1, k), NI_ERR_INVALID_ARGUMENT, "dst = ");
        EXPECT_ERR(ni_quantize_rows(pool, type, q, row + 1, f, k * 4, 2, k), NI_ERR_INVALID_ARGUMENT, "dst_row_stride");
        EXPECT_ERR(ni_dequantize_rows(pool, type, f, k * 4, odd, row, 1, k), NI_ERR_INVALID_ARGUMENT, "src = ");
        EXPECT_ERR(ni_dequantize_rows(pool, type, f, k * 4, q, row + (size_t)a / 2, 2, k), NI_ERR_INVALID_ARGUMENT, "src_row_stride");
        // The natural alignment itself is enough.
        NT_CHECK_OK(ni_quantize_rows(pool, type, q + a, row + (size_t)a, f, k * 4, 2, k));
        NT_CHECK_OK(ni_dequantize_rows(pool, type, f, k * 4, q + a, row + (size_t)a, 2, k));
        if (type == NI_TYPE_Q8_K) continue;  // an activation format, not a weight type
        EXPECT_ERR(ni_matmul(pool, type, q + a / 2, row, f, k * 4, y, 16, 1, 4, k), NI_ERR_INVALID_ARGUMENT, "w = ");
        EXPECT_ERR(ni_matmul(pool, type, q, row + (size_t)a / 2, f, k * 4, y, 16, 1, 4, k), NI_ERR_INVALID_ARGUMENT, "w_row_stride");
        NT_CHECK_OK(ni_matmul(pool, type, q + a, row + (size_t)a, f, k * 4, y, 16, 1, 4, k));
        EXPECT_ERR(ni_matmul(pool, type, q, row, reinterpret_cast<const float*>(reinterpret_cast<const char*>(f) + 2), k * 4, y, 16,
                             1, 4, k), NI_ERR_INVALID_ARGUMENT, "x = ");
        EXPECT_ERR(ni_matmul(pool, type, q, row, f, k * 4, reinterpret_cast<float*>(reinterpret_cast<char*>(y) + 1), 16, 1, 4, k),
                   NI_ERR_INVALID_ARGUMENT, "y = ");
    }
    const size_t row = nt::row_size(NI_TYPE_Q8_0, 64);
    std::vector<float> x(2 * 64, 0.5f), out(2 * 64), wts(4, 0.5f);
    std::vector<int32_t> ids = {0, 1, 1, 0};
    ni_moe_weights W{q + 2, q + 2, q + 2, NI_TYPE_Q8_0, NI_TYPE_Q8_0, NI_TYPE_Q8_0, 0, 2, 64, 64};
    NT_CHECK(2 * 64 * row + 2 <= sizeof q, "buffer");
    NT_CHECK_OK(ni_moe_experts(pool, &W, x.data(), 64 * 4, ids.data(), wts.data(), 2, 2, out.data(), 64 * 4, 0));
    W.down = q + 1;
    EXPECT_ERR(ni_moe_experts(pool, &W, x.data(), 64 * 4, ids.data(), wts.data(), 2, 2, out.data(), 64 * 4, 0), NI_ERR_INVALID_ARGUMENT,
               "weights->down = ");
    W.down = q + 2;
    EXPECT_ERR(ni_moe_experts(pool, &W, x.data(), 64 * 4, reinterpret_cast<const int32_t*>(reinterpret_cast<const char*>(ids.data()) + 2),
                              wts.data(), 1, 1, out.data(), 64 * 4, 0), NI_ERR_INVALID_ARGUMENT, "expert_ids = ");
    EXPECT_ERR(ni_moe_experts(pool, &W, x.data(), 64 * 4 + 2, ids.data(), wts.data(), 2, 2, out.data(), 64 * 4, 0), NI_ERR_INVALID_ARGUMENT,
               "x_row_stride");
}

void check_thread_local_errors() {
    ni_row_size(NI_TYPE_Q4_0, 7, nullptr);  // this thread: an error
    const std::string mine = ni_last_error();
    std::string other = "unset";
    std::thread t([&] { other = ni_last_error(); });
    t.join();
    NT_CHECK(!mine.empty() && other.empty(), "ni_last_error is per thread (mine '%s', other '%s')", mine.c_str(), other.c_str());
    size_t bytes;
    NT_CHECK_OK(ni_row_size(NI_TYPE_Q4_0, 32, &bytes));
    NT_CHECK(ni_last_error()[0] == '\0', "a successful call clears the message");
}

}  // namespace

int main() {
    check_basics();
    check_pool_errors();
    nt::pool pool(2, NI_ISA_AUTO);
    check_matmul_errors(pool);
    check_quantize_errors(pool);
    check_moe_errors(pool);
    check_alignment_errors(pool);
    check_thread_local_errors();
    return nt::finish("test_api_errors");
}
