// ni_cuda_marlin_gemm on a GPU against a CPU reference, through the C ABI.
//
// C = Σ_k A[m][k] · (q[k][n] − 8) · s[k / group][n] in double from the unpacked weights; the kernel
// passes when mean|Δ| / mean|ref| < 1e-3 (f16 A, f16-rounded scaled weights, f32 accumulation, one
// f16 rounding of C) for M ∈ {1, 7, 16, 33, 64, 100} on DeepSeek-V2-Lite shapes.
//
// Without a usable GPU it first checks that every device entry point reports NI_ERR_UNAVAILABLE with
// the same reason (exit 1 if not), then prints "SKIP: <reason>" and exits 77 (ctest: skipped).
#include <cstring>
#include <string>
#include <vector>

#include "core/half.h"
#include "test_common.h"

namespace {

// -------------------------------------------------------------------------- no GPU: the reason

int check_unavailable_and_skip(const std::string& reason) {
    int32_t runtime = 0, driver = -1;
    NT_CHECK_OK(ni_cuda_get_versions(&runtime, &driver));
    NT_CHECK(runtime >= 11000 && driver >= 0, "versions: runtime %d, driver %d", runtime, driver);
    NT_CHECK(!reason.empty() && (reason.find("driver") != std::string::npos || reason.find("device") != std::string::npos),
             "the reason names what is missing: \"%s\"", reason.c_str());
    ni_cuda_buffer* buf = nullptr;
    NT_CHECK(ni_cuda_malloc(0, 1024, &buf) == NI_ERR_UNAVAILABLE && buf == nullptr, "ni_cuda_malloc without a GPU");
    NT_CHECK(std::string(ni_cuda_last_error()).find(reason.substr(reason.find(':') + 1)) != std::string::npos,
             "ni_cuda_malloc gives the same reason: \"%s\"", ni_cuda_last_error());
    ni_cuda_stream* stream = nullptr;
    NT_CHECK(ni_cuda_stream_create(0, &stream) == NI_ERR_UNAVAILABLE && stream == nullptr, "ni_cuda_stream_create without a GPU");
    ni_cuda_device_info info;
    NT_CHECK(ni_cuda_device_get_info(0, &info) == NI_ERR_UNAVAILABLE, "ni_cuda_device_get_info without a GPU");
    NT_CHECK(ni_cuda_stream_synchronize(nullptr) == NI_ERR_UNAVAILABLE, "ni_cuda_stream_synchronize without a GPU");
    NT_CHECK_OK(ni_cuda_free(nullptr));
    NT_CHECK_OK(ni_cuda_stream_destroy(nullptr));
    // Host-only entry points keep working.
    size_t wb, sb;
    NT_CHECK_OK(ni_cuda_marlin_packed_size(2048, 2048, 32, &wb, &sb));
    if (nt::failures() != 0) return nt::finish("test_cuda_gemm");
    std::printf("SKIP: no usable CUDA device (runtime %d, driver %d): %s\n", runtime, driver, reason.c_str());
    return nt::kSkip;
}

// ------------------------------------------------------------------------------- with a GPU

struct Dev {
    int device = 0;
    ni_cuda_stream* stream = nullptr;
    std::vector<ni_cuda_buffer*> owned;
    ~Dev() {
        for (ni_cuda_buffer* b : owned) ni_cuda_free(b);
        ni_cuda_stream_destroy(stream);
    }
    ni_cuda_buffer* alloc(size_t bytes) {
        ni_cuda_buffer* b = nullptr;
        NT_CHECK_OK(ni_cuda_malloc(device, bytes, &b));
        if (b) owned.push_back(b);
        return b;
    }
    ni_cuda_buffer* upload(const void* data, size_t bytes) {
        ni_cuda_buffer* b = alloc(bytes);
        if (b) NT_CHECK_OK(ni_cuda_memcpy_to_device(stream, b, 0, data, bytes));
        return b;
    }
};

struct Weights {
    int64_t n, k, group;
    std::vector<uint8_t> q;    // [n][k]
    std::vector<uint16_t> s;   // [n][k / group]
    ni_cuda_buffer* b = nullptr;
    ni_cuda_buffer* scales = nullptr;
};

// Random weights of W [N][K]: Q4_0 blocks for group 32 (the production path), F16 for the others.
Weights make_weights(Dev& dev, nt::rng& r, int64_t n, int64_t k, int64_t group) {
    Weights w{n, k, group, {}, {}, nullptr, nullptr};
    size_t wb = 0, sb = 0;
    NT_CHECK_OK(ni_cuda_marlin_packed_size(n, k, group, &wb, &sb));
    std::vector<uint8_t> pb(wb), ps(sb);
    const std::vector<float> x = nt::make_data(r, (size_t)(n * k), 0.05f);
    if (group == 32) {
        const size_t row = nt::row_size(NI_TYPE_Q4_0, k);
        std::vector<uint8_t> q4(n * row);
        nt::pool pool(0, NI_ISA_AUTO);
        NT_CHECK_OK(ni_quantize_rows(pool, NI_TYPE_Q4_0, q4.data(), row, x.data(), k * 4, n, k));
        NT_CHECK_OK(ni_cuda_marlin_repack(NI_TYPE_Q4_0, q4.data(), row, n, k, 32, pb.data(), ps.data()));
    } else {
        std::vector<uint16_t> h(n * k);
        for (size_t i = 0; i < h.size(); ++i) h[i] = ni::f32_to_fp16(x[i]);
        NT_CHECK_OK(ni_cuda_marlin_repack(NI_TYPE_F16, h.data(), k * 2, n, k, group, pb.data(), ps.data()));
    }
    w.q.resize(n * k);
    w.s.resize(n * (k / group));
    NT_CHECK_OK(ni_cuda_marlin_unpack(pb.data(), ps.data(), n, k, group, w.q.data(), w.s.data()));
    w.b = dev.upload(pb.data(), wb);
    w.scales = dev.upload(ps.data(), sb);
    return w;
}

void run_case(Dev& dev, const Weights& w, ni_cuda_buffer* workspace, int64_t m, nt::rng& r, size_t a_pad = 0, size_t c_pad = 0) {
    const int64_t n = w.n, k = w.k;
    const size_t a_stride = (size_t)k * 2 + a_pad, c_stride = (size_t)n * 2 + c_pad;
    std::vector<uint16_t> a(m * a_stride / 2);
    std::vector<float> af(m * k);
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < k; ++j) {
            a[i * a_stride / 2 + j] = ni::f32_to_fp16(r.normal());
            af[i * k + j] = ni::fp16_to_f32(a[i * a_stride / 2 + j]);
        }
    ni_cuda_buffer* da = dev.upload(a.data(), a.size() * 2);
    ni_cuda_buffer* dc = dev.alloc(m * c_stride);
    if (!da || !dc) return;
    NT_CHECK_OK(ni_cuda_marlin_gemm(dev.stream, dc, 0, c_stride, da, 0, a_stride, w.b, 0, w.scales, 0, workspace, m, n, k, w.group));
    std::vector<uint16_t> c(m * c_stride / 2);
    NT_CHECK_OK(ni_cuda_memcpy_to_host(dev.stream, c.data(), dc, 0, c.size() * 2));
    NT_CHECK_OK(ni_cuda_stream_synchronize(dev.stream));

    // Dequantized weights, then the reference in double.
    const int64_t groups = k / w.group;
    std::vector<double> wd(n * k);
    for (int64_t col = 0; col < n; ++col)
        for (int64_t kk = 0; kk < k; ++kk)
            wd[col * k + kk] = ((int)w.q[col * k + kk] - 8) * (double)ni::fp16_to_f32(w.s[col * groups + kk / w.group]);
    double num = 0, den = 0, max_err = 0;
    size_t nonfinite = 0;
    for (int64_t i = 0; i < m; ++i)
        for (int64_t col = 0; col < n; ++col) {
            double ref = 0;
            for (int64_t kk = 0; kk < k; ++kk) ref += af[i * k + kk] * wd[col * k + kk];
            const double got = ni::fp16_to_f32(c[i * c_stride / 2 + col]);
            if (!std::isfinite(got)) ++nonfinite;
            num += std::fabs(got - ref);
            den += std::fabs(ref);
            max_err = std::max(max_err, std::fabs(got - ref));
        }
    const double rel = num / den;
    NT_CHECK(nonfinite == 0 && rel < 1e-3, "M=%lld N=%lld K=%lld group %lld: mean|Δ|/mean|ref| = %.2e, max |Δ| = %.3g, %zu non-finite",
             (long long)m, (long long)n, (long long)k, (long long)w.group, rel, max_err, nonfinite);
    std::printf("  M=%-4lld N=%-5lld K=%-5lld group %-5lld%s: mean|Δ|/mean|ref| = %.2e  max |Δ| = %.3g\n", (long long)m, (long long)n,
                (long long)k, (long long)w.group, a_pad || c_pad ? " (padded rows)" : "", rel, max_err);
}

void check_errors(Dev& dev, const Weights& w, ni_cuda_buffer* workspace) {
    ni_cuda_buffer* a = dev.alloc(16 * w.k * 2);
    ni_cuda_buffer* c = dev.alloc(16 * w.n * 2);
    ni_cuda_buffer* small = dev.alloc(256);
    auto gemm = [&](ni_cuda_buffer* cc, ni_cuda_buffer* aa, ni_cuda_buffer* ws, int64_t m, int64_t n, int64_t k, int64_t g) {
        return ni_cuda_marlin_gemm(dev.stream, cc, 0, n * 2, aa, 0, k * 2, w.b, 0, w.scales, 0, ws, m, n, k, g);
    };
    NT_CHECK(gemm(c, a, workspace, 16, w.n, w.k + 64, w.group) == NI_ERR_SHAPE, "K not a multiple of 128: %s", ni_cuda_last_error());
    NT_CHECK(gemm(c, a, small, 16, w.n, w.k, w.group) == NI_ERR_INVALID_ARGUMENT &&
                 std::string(ni_cuda_last_error()).find("workspace") != std::string::npos,
             "small workspace: %s", ni_cuda_last_error());
    NT_CHECK(gemm(c, a, workspace, 17, w.n, w.k, w.group) == NI_ERR_INVALID_ARGUMENT, "A too small for M: %s", ni_cuda_last_error());
    NT_CHECK(gemm(a, a, workspace, 1, w.n, w.k, w.group) == NI_ERR_INVALID_ARGUMENT, "C overlapping A: %s", ni_cuda_last_error());
    NT_CHECK(gemm(c, a, workspace, 0, w.n, w.k, w.group) == NI_ERR_INVALID_ARGUMENT, "M = 0: %s", ni_cuda_last_error());
    std::printf("  errors: shape, workspace, bounds and overlap checks fire before any launch\n");
}

}  // namespace

int main() {
    std::printf("test_cuda_gemm: Marlin int4 GEMM on the GPU vs a CPU reference\n");
    int32_t count = 0;
    if (ni_cuda_device_count(&count) != NI_OK) return check_unavailable_and_skip(ni_cuda_last_error());

    Dev dev;
    ni_cuda_device_info info;
    NT_CHECK_OK(ni_cuda_device_get_info(0, &info));
    std::printf("  device 0: %s, sm_%d%d, %d SMs, %.1f GB, %.0f GB/s peak\n", info.name, info.compute_major, info.compute_minor, info.sm_count,
                info.total_memory / 1e9, info.memory_bandwidth / 1e9);
    if (!info.marlin_supported) {
        std::printf("SKIP: device 0 (%s) has compute capability %d.%d; the kernel needs 8.0+\n", info.name, info.compute_major, info.compute_minor);
        return nt::kSkip;
    }
    NT_CHECK_OK(ni_cuda_stream_create(0, &dev.stream));
    nt::rng r(42);

    // DeepSeek-V2-Lite shapes (K × N): attention q/kv/o, expert gate/up and down, dense MLP.
    struct Shape { int64_t k, n, group; };
    const Shape shapes[] = {
        {2048, 3072, 32}, {2048, 576, 32}, {2048, 1408, 32}, {1408, 2048, 32}, {2048, 2048, 32}, {512, 4096, 32},
        {2048, 1408, 128}, {1408, 2048, 64}, {2048, 2048, 2048} /* one scale per column */,
    };
    for (const Shape& sh : shapes) {
        const Weights w = make_weights(dev, r, sh.n, sh.k, sh.group);
        size_t ws_bytes = 0;
        NT_CHECK_OK(ni_cuda_marlin_workspace_size(sh.n, &ws_bytes));
        ni_cuda_buffer* ws = dev.alloc(ws_bytes);
        if (!w.b || !ws) break;
        for (int64_t m : {1, 7, 16, 33, 64, 100}) run_case(dev, w, ws, m, r);  // one workspace reused: locks must reset
        if (sh.k == 2048 && sh.n == 1408 && sh.group == 32) {
            run_case(dev, w, ws, 5, r, 48, 36);
            check_errors(dev, w, ws);
        }
    }
    return nt::finish("test_cuda_gemm");
}
