// The Marlin repack (ni_cuda_marlin_repack / _unpack), on the CPU, bit for bit:
//   1. every weight and scale is where docs/cuda.md says it is: a reader written from that text
//      (bytes and lanes, not the library's weight_position) finds the original q and d for every
//      (k, n), and the positions it reads cover the packed buffers exactly once;
//   2. Q4_0 → packed → unpack → Q4_0 gives back the original bytes (lossless);
//   3. F16 / BF16 quantization follows ggml's Q4_0 rule: for group 32 the packed bytes equal those of
//      ni_quantize_rows(Q4_0) + repack; other group sizes match the rule re-implemented here;
//   4. bad shapes and values fail with the right status and a message.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/half.h"
#include "test_common.h"

namespace {

// ---------------------------------------------------------------- the layout, read from the docs
//
// docs/cuda.md, "Packed weights": B [K][N] is cut into units of 16 k × 64 n. Unit (kb, nb) is the
// 512 bytes at offset (kb · N/64 + nb) · 512. Inside it, lane L (0..31) owns bytes 16L .. 16L+15,
// read as four little-endian 32-bit words w0..w3. Lane L = 4 · (n % 8) + t serves column n % 8 of
// each of the 8 subtiles (subtile = (n % 64) / 8) and the rows r = k % 16 with (r % 8) / 2 == t.
// Word j holds subtiles 2j and 2j+1; nibble i of the word (bits 4i..4i+3) is
//   i = 2 · (subtile % 2) + (r ≥ 8) + 4 · (r % 2).
// "Packed scales": [K/group][N] f16; within each run of 64 columns, column c sits at (c % 8) · 8 + c / 8.
struct DocByte {
    size_t byte;
    bool high;  // high nibble of the byte
};

DocByte doc_weight_byte(int64_t k, int64_t n, int64_t N) {
    const int64_t unit = (k / 16) * (N / 64) + n / 64;
    const int r = (int)(k % 16), c = (int)(n % 64);
    const int lane = 4 * (c % 8) + (r % 8) / 2;
    const int subtile = c / 8;
    const int word = subtile / 2;
    const int nibble = 2 * (subtile % 2) + (r >= 8) + 4 * (r % 2);
    // little-endian: nibble i of a word is in byte i / 2 of it, low half when i is even
    return {(size_t)(unit * 512 + lane * 16 + word * 4 + nibble / 2), nibble % 2 == 1};
}

unsigned doc_q(const std::vector<uint8_t>& packed, int64_t k, int64_t n, int64_t N) {
    const DocByte p = doc_weight_byte(k, n, N);
    return p.high ? packed[p.byte] >> 4 : packed[p.byte] & 0xF;
}

size_t doc_scale_index(int64_t g, int64_t n, int64_t N) {
    const int64_t c = n % 64;
    return (size_t)(g * N + (n - c) + (c % 8) * 8 + c / 8);
}

uint16_t doc_scale(const std::vector<uint16_t>& scales, int64_t g, int64_t n, int64_t N) { return scales[doc_scale_index(g, n, N)]; }

// ------------------------------------------------------------------------------- helpers

struct Packed {
    std::vector<uint8_t> w;
    std::vector<uint16_t> s;
};

Packed packed_buffers(int64_t n, int64_t k, int64_t group) {
    size_t wb = 0, sb = 0;
    NT_CHECK_OK(ni_cuda_marlin_packed_size(n, k, group, &wb, &sb));
    NT_CHECK(wb == (size_t)(k * n / 2) && sb == (size_t)(k / group * n * 2), "packed sizes %zu %zu", wb, sb);
    Packed p;
    p.w.assign(wb, 0xA5);  // poison: the repack must write every byte
    p.s.assign(sb / 2, 0xA5A5);
    return p;
}

// Random Q4_0 rows [n][k/32 blocks] with `pad` spare bytes per row; d spans signs, subnormals, zero.
std::vector<uint8_t> random_q4_0(nt::rng& r, int64_t n, int64_t k, size_t stride) {
    std::vector<uint8_t> w(n * stride);
    for (auto& b : w) b = (uint8_t)r.next();
    for (int64_t row = 0; row < n; ++row)
        for (int64_t b = 0; b < k / 32; ++b) {
            uint8_t* blk = &w[row * stride + b * 18];
            uint16_t d;
            switch (r.next() % 8) {
                case 0: d = 0; break;
                case 1: d = (uint16_t)(r.next() % 0x400); break;  // subnormal
                default: d = ni::f32_to_fp16(0.02f * r.normal()); break;
            }
            std::memcpy(blk, &d, 2);
        }
    return w;
}

// ------------------------------------------------------------------------------- 1 and 2: Q4_0

void check_q4_0(int64_t n, int64_t k, size_t pad, uint64_t seed) {
    nt::rng r(seed);
    const size_t stride = (size_t)(k / 32 * 18) + pad;
    const std::vector<uint8_t> w = random_q4_0(r, n, k, stride);
    Packed p = packed_buffers(n, k, 32);
    NT_CHECK_OK(ni_cuda_marlin_repack(NI_TYPE_Q4_0, w.data(), stride, n, k, 32, p.w.data(), p.s.data()));

    // 1. every (k, n) where the docs put it; the positions read cover the buffers exactly once.
    std::vector<uint8_t> seen(p.w.size() * 2, 0), seen_s(p.s.size(), 0);
    int bad_q = 0, bad_s = 0;
    for (int64_t row = 0; row < n; ++row)
        for (int64_t col = 0; col < k; ++col) {
            const uint8_t* blk = &w[row * stride + (col / 32) * 18];
            const int j = (int)(col % 32);
            const unsigned q = j < 16 ? blk[2 + j] & 0xF : blk[2 + j - 16] >> 4;
            // GGUF row `row` is output channel n = row; its column `col` is k = col.
            if (doc_q(p.w, col, row, n) != q && bad_q++ < 5)
                std::fprintf(stderr, "  q at k=%lld n=%lld: packed %u, Q4_0 %u\n", (long long)col, (long long)row, doc_q(p.w, col, row, n), q);
            const DocByte pos = doc_weight_byte(col, row, n);
            ++seen[pos.byte * 2 + pos.high];
            if (col % 32 == 0) {
                uint16_t d;
                std::memcpy(&d, blk, 2);
                if (doc_scale(p.s, col / 32, row, n) != d) ++bad_s;
                ++seen_s[doc_scale_index(col / 32, row, n)];
            }
        }
    size_t not_once = 0;
    for (uint8_t c : seen) not_once += c != 1;
    for (uint8_t c : seen_s) not_once += c != 1;
    NT_CHECK(bad_q == 0 && bad_s == 0, "Q4_0 %lldx%lld: %d weights and %d scales not where the docs say", (long long)n, (long long)k, bad_q, bad_s);
    NT_CHECK(not_once == 0, "Q4_0 %lldx%lld: %zu packed nibbles/scales not covered exactly once", (long long)n, (long long)k, not_once);

    // 2. unpack and rebuild the Q4_0 bytes: identical to the input (padding aside).
    std::vector<uint8_t> q(n * k);
    std::vector<uint16_t> d(n * (k / 32));
    NT_CHECK_OK(ni_cuda_marlin_unpack(p.w.data(), p.s.data(), n, k, 32, q.data(), d.data()));
    size_t differ = 0;
    for (int64_t row = 0; row < n; ++row)
        for (int64_t b = 0; b < k / 32; ++b) {
            uint8_t blk[18];
            std::memcpy(blk, &d[row * (k / 32) + b], 2);
            for (int j = 0; j < 16; ++j) blk[2 + j] = (uint8_t)(q[row * k + b * 32 + j] | q[row * k + b * 32 + j + 16] << 4);
            differ += std::memcmp(blk, &w[row * stride + b * 18], 18) != 0;
        }
    NT_CHECK(differ == 0, "Q4_0 %lldx%lld round trip: %zu of %lld blocks differ", (long long)n, (long long)k, differ, (long long)(n * k / 32));
    std::printf("  q4_0 N=%-5lld K=%-5lld pad=%zu: layout, coverage and round trip exact\n", (long long)n, (long long)k, pad);
}

// ------------------------------------------------------------------------------- 3: F16 / BF16

// ggml's Q4_0 rule on one group (the reference this test holds the library to).
void rule_q4_0(const float* x, int64_t group, uint8_t* q, uint16_t* d16) {
    float amax = 0.0f, max = 0.0f;
    for (int64_t j = 0; j < group; ++j)
        if (amax < std::fabs(x[j])) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    *d16 = ni::f32_to_fp16(d);
    for (int64_t j = 0; j < group; ++j) q[j] = (uint8_t)std::min(15, (int)(int8_t)(x[j] * id + 8.5f));
}

void check_dense(int type, int64_t n, int64_t k, int64_t group, uint64_t seed) {
    nt::rng r(seed);
    const size_t stride = (size_t)k * 2 + 32;  // padded rows
    std::vector<uint8_t> w(n * stride, 0xEE);
    std::vector<float> x(n * k);
    for (int64_t row = 0; row < n; ++row)
        for (int64_t col = 0; col < k; ++col) {
            const float v = 0.05f * r.normal() * (r.uniform() < 0.02f ? 10.0f : 1.0f);
            const uint16_t bits = type == NI_TYPE_F16 ? ni::f32_to_fp16(v) : ni::f32_to_bf16(v);
            std::memcpy(&w[row * stride + col * 2], &bits, 2);
            x[row * k + col] = type == NI_TYPE_F16 ? ni::fp16_to_f32(bits) : ni::bf16_to_f32(bits);
        }
    Packed p = packed_buffers(n, k, group);
    NT_CHECK_OK(ni_cuda_marlin_repack(type, w.data(), stride, n, k, group, p.w.data(), p.s.data()));

    int bad = 0;
    std::vector<uint8_t> q((size_t)group);
    for (int64_t row = 0; row < n; ++row)
        for (int64_t g = 0; g < k / group; ++g) {
            uint16_t d16;
            rule_q4_0(&x[row * k + g * group], group, q.data(), &d16);
            if (doc_scale(p.s, g, row, n) != d16) ++bad;
            for (int64_t j = 0; j < group; ++j)
                if (doc_q(p.w, g * group + j, row, n) != q[(size_t)j]) ++bad;
        }
    NT_CHECK(bad == 0, "%s N=%lld K=%lld group %lld: %d values differ from ggml's Q4_0 rule", nt::type_name(type), (long long)n, (long long)k,
             (long long)group, bad);

    if (group == 32) {
        // The same weights through the CPU library's Q4_0 quantizer (ggml's reference) and the
        // lossless repack must give the very same bytes.
        const size_t qrow = nt::row_size(NI_TYPE_Q4_0, k);
        std::vector<uint8_t> q4(n * qrow);
        nt::pool pool(1, NI_ISA_SCALAR);
        NT_CHECK_OK(ni_quantize_rows(pool, NI_TYPE_Q4_0, q4.data(), qrow, x.data(), k * sizeof(float), n, k));
        Packed p2 = packed_buffers(n, k, 32);
        NT_CHECK_OK(ni_cuda_marlin_repack(NI_TYPE_Q4_0, q4.data(), qrow, n, k, 32, p2.w.data(), p2.s.data()));
        NT_CHECK(p2.w == p.w && p2.s == p.s, "%s group 32 differs from ni_quantize_rows(Q4_0) + repack", nt::type_name(type));
    }
    std::printf("  %-4s N=%-5lld K=%-5lld group %-4lld: matches ggml's Q4_0 rule%s\n", nt::type_name(type), (long long)n, (long long)k,
                (long long)group, group == 32 ? " and ni_quantize_rows(Q4_0) + repack" : "");
}

// ------------------------------------------------------------------------------- 4: errors

void expect_fail(ni_status st, ni_status want, const char* fragment, const char* what) {
    const std::string msg = ni_cuda_last_error();
    NT_CHECK(st == want && msg.find(fragment) != std::string::npos, "%s: got %s \"%s\", want %s containing \"%s\"", what, ni_status_name(st),
             msg.c_str(), ni_status_name(want), fragment);
}

void check_errors() {
    size_t wb, sb;
    expect_fail(ni_cuda_marlin_packed_size(64, 192, 32, &wb, &sb), NI_ERR_SHAPE, "multiple of 128", "K = 192");
    expect_fail(ni_cuda_marlin_packed_size(96, 256, 32, &wb, &sb), NI_ERR_SHAPE, "multiple of 64", "N = 96");
    expect_fail(ni_cuda_marlin_packed_size(64, 256, 16, &wb, &sb), NI_ERR_SHAPE, "group_size", "group 16");
    expect_fail(ni_cuda_marlin_packed_size(64, 512, 256, &wb, &sb), NI_ERR_SHAPE, "group_size", "group 256 with K 512");
    NT_CHECK_OK(ni_cuda_marlin_packed_size(64, 256, 256, &wb, &sb));  // group = K: per column
    NT_CHECK(sb == 64 * 2, "per-column scales: %zu bytes", sb);
    expect_fail(ni_cuda_marlin_packed_size(0, 256, 32, &wb, &sb), NI_ERR_INVALID_ARGUMENT, "must be > 0", "N = 0");
    expect_fail(ni_cuda_marlin_packed_size(64, 256, 32, nullptr, &sb), NI_ERR_INVALID_ARGUMENT, "is null", "null output");

    std::vector<uint8_t> w(64 * 256 * 2, 0), pw(64 * 256 / 2);
    std::vector<uint16_t> ps(64 * 256 / 32);
    expect_fail(ni_cuda_marlin_repack(NI_TYPE_Q4_0, w.data(), 8 * 18, 64, 256, 64, pw.data(), ps.data()), NI_ERR_SHAPE, "group_size must be 32",
                "Q4_0 with group 64");
    expect_fail(ni_cuda_marlin_repack(NI_TYPE_Q8_0, w.data(), 512, 64, 256, 32, pw.data(), ps.data()), NI_ERR_UNSUPPORTED_TYPE, "w_type",
                "Q8_0");
    expect_fail(ni_cuda_marlin_repack(NI_TYPE_F16, w.data(), 100, 64, 256, 32, pw.data(), ps.data()), NI_ERR_INVALID_ARGUMENT, "w_row_stride",
                "short stride");
    expect_fail(ni_cuda_marlin_repack(NI_TYPE_F16, nullptr, 512, 64, 256, 32, pw.data(), ps.data()), NI_ERR_INVALID_ARGUMENT, "is null",
                "null weights");
    const uint16_t nan = 0x7E00, huge = 0x7BFF;  // f16 NaN; 65504 is fine, but BF16 1e6 is not
    std::memcpy(&w[3 * 512 + 10], &nan, 2);
    expect_fail(ni_cuda_marlin_repack(NI_TYPE_F16, w.data(), 512, 64, 256, 32, pw.data(), ps.data()), NI_ERR_INVALID_ARGUMENT, "not finite",
                "NaN weight");
    std::memcpy(&w[3 * 512 + 10], &huge, 2);
    NT_CHECK_OK(ni_cuda_marlin_repack(NI_TYPE_F16, w.data(), 512, 64, 256, 32, pw.data(), ps.data()));
    const uint16_t million = ni::f32_to_bf16(1.0e6f);
    std::memcpy(&w[3 * 512 + 10], &million, 2);
    expect_fail(ni_cuda_marlin_repack(NI_TYPE_BF16, w.data(), 512, 64, 256, 32, pw.data(), ps.data()), NI_ERR_INVALID_ARGUMENT, "f16's range",
                "BF16 weight beyond f16 scales");
    NT_CHECK(std::string(ni_cuda_last_error()).find("ni_cuda_marlin_repack") != std::string::npos, "messages name the function");

    size_t ws = 0;
    NT_CHECK_OK(ni_cuda_marlin_workspace_size(4096, &ws));
    NT_CHECK(ws >= (size_t)4096 * 256 && ws < (size_t)4096 * 256 + 4096, "workspace for N = 4096: %zu bytes", ws);
    expect_fail(ni_cuda_marlin_workspace_size(100, &ws), NI_ERR_SHAPE, "multiple of 64", "workspace N = 100");

    NT_CHECK(ni_cuda_abi_version() == NI_ABI_VERSION, "ni_cuda_abi_version");
    NT_CHECK_OK(ni_cuda_marlin_workspace_size(64, &ws));
    NT_CHECK(ni_cuda_last_error()[0] == '\0', "a successful call clears the message");
    std::printf("  errors: shapes, types, strides, NaN and out-of-range weights rejected with messages\n");
}

}  // namespace

int main() {
    std::printf("test_cuda_repack: Marlin int4 layout on the CPU\n");
    check_q4_0(64, 128, 0, 1);
    check_q4_0(128, 256, 6, 2);
    check_q4_0(576, 384, 0, 3);     // kv_a_proj-like N
    check_q4_0(1408, 2048, 0, 4);   // DeepSeek-V2-Lite expert up/gate (N = ffn, K = hidden)
    check_q4_0(2048, 1408, 2, 5);   // expert down
    for (int type : {NI_TYPE_F16, NI_TYPE_BF16}) {
        check_dense(type, 64, 256, 32, 10);
        check_dense(type, 192, 512, 64, 11);
        check_dense(type, 128, 384, 128, 12);
        check_dense(type, 256, 256, 256, 13);  // group = K: one scale per column
    }
    check_errors();
    return nt::finish("test_cuda_repack");
}
