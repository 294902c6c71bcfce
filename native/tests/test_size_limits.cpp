// Sizes at the edges of the integer ranges: every extent an entry point derives from its arguments
// (row bytes, spans of strided buffers, tokens × slots, expert stacks) must either fit or be
// rejected with NI_ERR_INVALID_ARGUMENT naming the argument — never wrap into a small number that
// passes the stride and overlap checks. Values around 2^31, 2^32, 2^62, INT64_MAX and negative.
//
// Every call below passes small real buffers with sizes that claim far more; a call that wrapped
// would read or write past them (a crash, or an ASan report in the sanitizer build). The expected
// result of ni_row_size is computed independently in 128-bit arithmetic.
#include <climits>
#include <cstring>

#include "test_common.h"

namespace {

constexpr int64_t P31 = int64_t(1) << 31, P32 = int64_t(1) << 32, P62 = int64_t(1) << 62;
constexpr int64_t kMaxBytes = INT64_MAX;  // PTRDIFF_MAX on the 64-bit targets

// Every type id the library describes.
std::vector<ni_type_info> all_types() {
    std::vector<ni_type_info> types;
    for (int id = 0; id < 256; ++id) {
        ni_type_info info;
        if (ni_type_get_info(id, &info) == NI_OK) types.push_back(info);
    }
    return types;
}

void check_row_size() {
    const int64_t values[] = {1, 32, 256, P31 - 1, P31, P31 + 32, P32 - 256, P32, P32 + 256, P62 - 256, P62, P62 + 256,
                              (P62 - 1) / 9 * 2, INT64_MAX / 2, INT64_MAX - 255, INT64_MAX, 0, -1, -32, -P62, INT64_MIN};
    for (const ni_type_info& t : all_types()) {
        for (int64_t n : values) {
            for (int64_t v : {n, n / t.block_size * t.block_size}) {
                size_t bytes = 12345;
                const ni_status st = ni_row_size(t.type, v, &bytes);
                ni_status expected = NI_OK;
                const __int128 exact = v > 0 ? (__int128)(v / t.block_size) * t.block_bytes : 0;
                if (v <= 0) expected = NI_ERR_INVALID_ARGUMENT;
                else if (v % t.block_size != 0) expected = NI_ERR_SHAPE;
                else if (exact > kMaxBytes) expected = NI_ERR_INVALID_ARGUMENT;
                NT_CHECK(st == expected, "ni_row_size(%s, %lld) = %s (%s), expected %s", t.name, (long long)v, ni_status_name(st),
                         ni_last_error(), ni_status_name(expected));
                if (st == NI_OK && expected == NI_OK)
                    NT_CHECK((__int128)bytes == exact, "ni_row_size(%s, %lld) = %zu bytes, expected %lld", t.name, (long long)v, bytes,
                             (long long)exact);
                if (expected == NI_ERR_INVALID_ARGUMENT && v > 0)
                    NT_CHECK(std::strstr(ni_last_error(), "n_cols") != nullptr, "ni_row_size(%s, %lld): message '%s' lacks n_cols",
                             t.name, (long long)v, ni_last_error());
            }
        }
    }
}

void check_quantize(ni_pool* pool) {
    alignas(64) float f[256] = {};
    alignas(64) uint8_t q[1024] = {};
    // The row of f32 values wraps size_t (2^62 · 4 = 2^64 → 0).
    NT_EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_F32, q, 16, f, 16, 1, P62), NI_ERR_INVALID_ARGUMENT, "n_cols");
    NT_EXPECT_ERR(ni_dequantize_rows(pool, NI_TYPE_F32, f, 16, q, 16, 1, P62), NI_ERR_INVALID_ARGUMENT, "n_cols");
    // Q8_0 rows of 2^62 values fit (2^57 blocks · 34 bytes) but their f32 side does not.
    NT_EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_Q8_0, q, 34, f, 128, 1, P62), NI_ERR_INVALID_ARGUMENT, "n_cols");
    NT_EXPECT_ERR(ni_dequantize_rows(pool, NI_TYPE_Q8_0, f, 128, q, 34, 1, P62), NI_ERR_INVALID_ARGUMENT, "n_cols");
    NT_EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_BF16, q, 16, f, 16, 1, INT64_MAX - 1), NI_ERR_INVALID_ARGUMENT, "n_cols");
    // Spans: rows × stride past 2^63.
    NT_EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_F32, q, 16, f, 16, P62, 4), NI_ERR_INVALID_ARGUMENT, "src would span");
    NT_EXPECT_ERR(ni_dequantize_rows(pool, NI_TYPE_F32, f, 16, q, 16, P62, 4), NI_ERR_INVALID_ARGUMENT, "src would span");
    NT_EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_F32, q, (size_t)P32 * 2, f, (size_t)P32 * 2, P31 + 1, P31), NI_ERR_INVALID_ARGUMENT,
                  "would span");
    // (2^32 + 1 − 1) · 2^31 + 2^30 = 2^63 + 2^30: one row more than fits (2^32 rows would span 2^63 − 2^30).
    NT_EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_F32, q, (size_t)P31, f, (size_t)P31, P32 + 1, P31 / 4 / 2), NI_ERR_INVALID_ARGUMENT,
                  "src would span");
    NT_EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_F32, q, 16, f, SIZE_MAX / 2 & ~(size_t)3, 3, 4), NI_ERR_INVALID_ARGUMENT,
                  "src would span");
    NT_EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_F32, q, SIZE_MAX - 3, f, 16, 2, 4), NI_ERR_INVALID_ARGUMENT, "dst would span");
    // Negative and extreme counts.
    NT_EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_Q8_0, q, 34, f, 128, -1, 32), NI_ERR_INVALID_ARGUMENT, "n_rows");
    NT_EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_Q8_0, q, 34, f, 128, INT64_MIN, 32), NI_ERR_INVALID_ARGUMENT, "n_rows");
    NT_EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_Q8_0, q, 34, f, 128, 1, INT64_MIN), NI_ERR_INVALID_ARGUMENT, "n_cols");
    // A buffer at the top of the address space: the span would wrap past zero.
    const float* top = reinterpret_cast<const float*>(UINTPTR_MAX - 63);
    NT_EXPECT_ERR(ni_quantize_rows(pool, NI_TYPE_F32, q, 128, top, 128, 1, 32), NI_ERR_INVALID_ARGUMENT, "src would span");
}

void check_matmul(ni_pool* pool) {
    alignas(64) float x[256] = {}, y[256] = {};
    alignas(64) uint8_t w[1024] = {};
    NT_EXPECT_ERR(ni_matmul(pool, NI_TYPE_F32, w, 16, x, 16, y, 16, 1, 1, P62), NI_ERR_INVALID_ARGUMENT, "k = 4611686018427387904");
    NT_EXPECT_ERR(ni_matmul(pool, NI_TYPE_F16, w, 16, x, 16, y, 16, 1, 1, P62), NI_ERR_INVALID_ARGUMENT, "k = 4611686018427387904");
    NT_EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w, 18, x, 128, y, 16, 1, P62, 32), NI_ERR_INVALID_ARGUMENT, "m = 4611686018427387904");
    NT_EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w, 18, x, 128, y, 16, 1, INT64_MAX, 32), NI_ERR_INVALID_ARGUMENT, "m = 9223372036854775807");
    NT_EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w, 18, x, 128, y, 16, P62, 4, 32), NI_ERR_INVALID_ARGUMENT, "x would span");
    NT_EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w, 18, x, 128, y, (size_t)P31 * 4, P31, P31, 32), NI_ERR_INVALID_ARGUMENT,
                  "would span");
    // 2^31 rows 2^32 bytes apart span 2^63 − 2^32 + 18 and fit; one row more does not.
    NT_EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q4_0, w, (size_t)P32, x, 128, y, (size_t)P31 * 4 + 64, 1, P31 + 1, 32),
                  NI_ERR_INVALID_ARGUMENT, "w would span");
    NT_EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q8_0, w, SIZE_MAX - 1, x, 128, y, 16, 1, 2, 32), NI_ERR_INVALID_ARGUMENT, "w would span");
    NT_EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q8_0, w, 34, x, 128, y, 16, -P62, 2, 32), NI_ERR_INVALID_ARGUMENT, "n must be > 0");
    NT_EXPECT_ERR(ni_matmul(pool, NI_TYPE_Q8_0, w, 34, x, 128, y, 16, 1, 2, INT64_MIN), NI_ERR_INVALID_ARGUMENT, "k must be > 0");
    const float* top = reinterpret_cast<const float*>(UINTPTR_MAX - 63);
    NT_EXPECT_ERR(ni_matmul(pool, NI_TYPE_F32, w, 128, top, 128, y, 16, 1, 1, 32), NI_ERR_INVALID_ARGUMENT, "x would span");
}

void check_batched(ni_pool* pool) {
    alignas(64) float x[256] = {}, y[256] = {};
    alignas(64) uint8_t w[1024] = {};
    for (int mode : {NI_MATMUL_W_TRANSPOSED, NI_MATMUL_W_ROWS}) {
        NT_EXPECT_ERR(ni_matmul_strided_batched(pool, mode, NI_TYPE_F32, w, 128, 64, x, 128, 0, y, 128, 128, P62, 1, 1, 32),
                      NI_ERR_INVALID_ARGUMENT, "would span");
        NT_EXPECT_ERR(ni_matmul_strided_batched(pool, mode, NI_TYPE_F32, w, 128, 0, x, 128, 0, y, 128, (size_t)P32, P31 + 1, 1, 1, 32),
                      NI_ERR_INVALID_ARGUMENT, "y would span");
        NT_EXPECT_ERR(ni_matmul_strided_batched(pool, mode, NI_TYPE_F32, w, 16, 0, x, 16, 0, y, 16, 0, 1, 1, 1, P62),
                      NI_ERR_INVALID_ARGUMENT, "k = 4611686018427387904");
        NT_EXPECT_ERR(ni_matmul_strided_batched(pool, mode, NI_TYPE_Q4_0, w, 18, 0, x, 128, 0, y, 128, 0, 1, 1, P62, 32),
                      NI_ERR_INVALID_ARGUMENT, "m = 4611686018427387904");
        NT_EXPECT_ERR(ni_matmul_strided_batched(pool, mode, NI_TYPE_Q8_0, w, 34, SIZE_MAX / 2 & ~(size_t)1, x, 128, 0, y, 128, 128, 3, 1, 1, 32),
                      NI_ERR_INVALID_ARGUMENT, "w would span");
        NT_EXPECT_ERR(ni_matmul_strided_batched(pool, mode, NI_TYPE_Q8_0, w, 34, 0, x, 128, SIZE_MAX / 2 & ~(size_t)3, y, 128, 128, 3, 1, 1, 32),
                      NI_ERR_INVALID_ARGUMENT, "x would span");
        NT_EXPECT_ERR(ni_matmul_strided_batched(pool, mode, NI_TYPE_Q8_0, w, 34, 0, x, 128, 0, y, 128, 128, 2, P62, 1, 32),
                      NI_ERR_INVALID_ARGUMENT, "would span");
        NT_EXPECT_ERR(ni_matmul_strided_batched(pool, mode, NI_TYPE_Q8_0, w, 34, 0, x, 128, 0, y, 128, 128, -P31, 1, 1, 32),
                      NI_ERR_INVALID_ARGUMENT, "batch must be > 0");
    }
}

void check_moe(ni_pool* pool) {
    alignas(64) float x[512] = {}, out[512] = {}, wts[64] = {};
    alignas(64) int32_t ids[64] = {};
    alignas(64) uint8_t gate[4096] = {}, up[4096] = {}, down[4096] = {};
    const ni_moe_weights ok{gate, up, down, NI_TYPE_Q8_0, NI_TYPE_Q8_0, NI_TYPE_Q8_0, 0, 2, 32, 32};
    NT_CHECK_OK(ni_moe_experts(pool, &ok, x, 128, ids, wts, 2, 2, out, 128, 0));
    // tokens × slots overflows int64 (a signed overflow before the fix).
    NT_EXPECT_ERR(ni_moe_experts(pool, &ok, x, 128, ids, wts, P62, 2, out, 128, 0), NI_ERR_INVALID_ARGUMENT, "would span");
    NT_EXPECT_ERR(ni_moe_experts(pool, &ok, x, 128, ids, wts, INT64_MAX, 2, out, 128, 0), NI_ERR_INVALID_ARGUMENT, "would span");
    NT_EXPECT_ERR(ni_moe_experts(pool, &ok, x, 128, ids, wts, P62, 1, out, 128, 0), NI_ERR_INVALID_ARGUMENT, "would span");
    // x and out rows.
    // 2^31 + 1 tokens 2^32 bytes apart: 2^63 + 128 bytes (2^31 would fit).
    NT_EXPECT_ERR(ni_moe_experts(pool, &ok, x, (size_t)P32, ids, wts, P31 + 1, 1, out, 128, 0), NI_ERR_INVALID_ARGUMENT,
                  "x would span");
    NT_EXPECT_ERR(ni_moe_experts(pool, &ok, x, 128, ids, wts, 2, 1, out, SIZE_MAX / 2 & ~(size_t)3, 0), NI_ERR_INVALID_ARGUMENT,
                  "out would span");
    ni_moe_weights W = ok;
    W.hidden = P62;  // a row of f32 x is 2^64 bytes
    NT_EXPECT_ERR(ni_moe_experts(pool, &W, x, 128, ids, wts, 1, 1, out, 128, 0), NI_ERR_INVALID_ARGUMENT, "weights->hidden = 4611686018427387904");
    W = ok;
    W.ffn = P62;  // down rows of 2^62 values in Q8_0 fit; their f32 intermediate does not
    NT_EXPECT_ERR(ni_moe_experts(pool, &W, x, 128, ids, wts, 1, 1, out, 128, 0), NI_ERR_INVALID_ARGUMENT, "weights->ffn = 4611686018427387904");
    W = ok;
    W.ffn = int64_t(1) << 40;  // n_experts · ffn · row bytes of gate: 2 · 2^40 · 34 fits; with 2^30 experts it does not
    W.n_experts = int64_t(1) << 30;
    NT_EXPECT_ERR(ni_moe_experts(pool, &W, x, 128, ids, wts, 1, 1, out, 128, 0), NI_ERR_INVALID_ARGUMENT, "weights->gate would span");
    W = ok;
    W.n_experts = INT32_MAX;
    W.hidden = int64_t(1) << 40;
    NT_EXPECT_ERR(ni_moe_experts(pool, &W, x, (size_t)1 << 42, ids, wts, 1, 1, out, (size_t)1 << 42, 0), NI_ERR_INVALID_ARGUMENT,
                  "would span");
    W = ok;
    W.ffn = P31 + 32;
    W.hidden = P31 + 32;
    NT_EXPECT_ERR(ni_moe_experts(pool, &W, x, (size_t)P32 * 2 + 128, ids, wts, 1, 1, out, (size_t)P32 * 2 + 128, 0),
                  NI_ERR_INVALID_ARGUMENT, "weights->gate would span");
    W = ok;
    W.n_experts = -P62;
    NT_EXPECT_ERR(ni_moe_experts(pool, &W, x, 128, ids, wts, 1, 1, out, 128, 0), NI_ERR_INVALID_ARGUMENT, "n_experts");
    NT_EXPECT_ERR(ni_moe_experts(pool, &ok, x, 128, ids, wts, 1, -1, out, 128, 0), NI_ERR_INVALID_ARGUMENT, "top_k");
}

}  // namespace

int main() {
    check_row_size();
    nt::pool pool(2, NI_ISA_AUTO);
    check_quantize(pool);
    check_matmul(pool);
    check_batched(pool);
    check_moe(pool);
    return nt::finish("test_size_limits");
}
