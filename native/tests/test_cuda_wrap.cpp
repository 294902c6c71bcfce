// The host half of the wrapper entry points (ni_cuda_buffer_wrap, ni_cuda_stream_wrap) and of the GEMM
// launch that uses them, on the CPU: the checks ni_cuda_buffer_wrap makes before it asks CUDA anything,
// and check_gemm, which ni_cuda_marlin_gemm runs on every launch — now on buffers whose base address is
// not cudaMalloc's 256-byte aligned one (another library's memory, a view into it), so alignment is a
// property of base + offset, bounds are per wrapped size, and overlap is by address across handles.
//
// The CPU reference: Q4_0 weights repacked by the library into a wrapped buffer at an offset, f16
// activations in strided rows of another, and C computed from exactly the addresses check_gemm hands
// the kernel, reading the packed layout through marlin_layout.h; it must equal a float64 product of the
// dequantized Q4_0 weights (ni_dequantize_rows) to rounding. A wrong address, offset or stride there is
// a wrong product here. The device half (cudaPointerGetAttributes, cudaStreamQuery) needs a GPU:
// test_cuda_gemm and the NUnit GPU tests.
#include <cstring>
#include <string>
#include <vector>

#include "core/half.h"
#include "marlin/marlin_gemm_checks.h"
#include "marlin/marlin_layout.h"
#include "test_common.h"

using namespace ni::marlin;

namespace {

void expect_fail(ni_status st, ni_status want, const char* fragment, const char* what) {
    const std::string msg = ni_cuda_last_error();
    NT_CHECK(st == want && msg.find(fragment) != std::string::npos, "%s: got %s \"%s\", want %s containing \"%s\"", what, ni_status_name(st),
             msg.c_str(), ni_status_name(want), fragment);
}

void check_wrap_arguments() {
    alignas(16) static char memory[64];
    expect_fail(check_wrap("ni_cuda_buffer_wrap", 0, nullptr, 64), NI_ERR_INVALID_ARGUMENT, "device_pointer is null", "null pointer");
    expect_fail(check_wrap("ni_cuda_buffer_wrap", 0, memory, 0), NI_ERR_INVALID_ARGUMENT, "bytes must be > 0", "0 bytes");
    expect_fail(check_wrap("ni_cuda_buffer_wrap", 0, (void*)(UINTPTR_MAX - 15), 64), NI_ERR_INVALID_ARGUMENT, "wraps around", "past the address space");
    expect_fail(check_wrap("ni_cuda_buffer_wrap", -1, memory, 64), NI_ERR_INVALID_ARGUMENT, "device -1", "negative device");
    NT_CHECK(check_wrap("ni_cuda_buffer_wrap", 0, memory + 3, 61) == NI_OK, "any base address is accepted: alignment is the user's business");
    std::printf("  ni_cuda_buffer_wrap's host checks: null, empty, wrapping ranges and negative devices refused\n");
}

// A GEMM problem in host memory standing for device buffers: every operand sits at a chosen distance
// from a 64-byte aligned allocation, like views into another library's buffers.
struct Problem {
    int64_t m, n, k, group;
    size_t a_stride, c_stride;
    std::vector<uint8_t> a_mem, b_mem, s_mem, c_mem, w_mem;
    std::vector<uint16_t> a_f16;  // [m][k], the activations
    std::vector<float> w_dense;   // [n][k], the dequantized Q4_0 weight
};

uint8_t* aligned(std::vector<uint8_t>& v) { return v.data() + (64 - (uintptr_t)v.data() % 64) % 64; }

// Operands of p at the given misalignment of each buffer's base and offset into it.
struct Layout {
    size_t base_skew, offset;
};

Problem make_problem(int64_t m, int64_t n, int64_t k, uint64_t seed) {
    Problem p{m, n, k, 32, (size_t)(2 * k + 32), (size_t)(2 * n + 8), {}, {}, {}, {}, {}, {}, {}};
    nt::rng r(seed);
    std::vector<float> w = nt::make_data(r, (size_t)(n * k), 0.1f);
    const size_t qrow = nt::row_size(NI_TYPE_Q4_0, k);
    std::vector<uint8_t> q4((size_t)n * qrow);
    nt::pool pool(1, NI_ISA_SCALAR);
    NT_CHECK_OK(ni_quantize_rows(pool, NI_TYPE_Q4_0, q4.data(), qrow, w.data(), k * sizeof(float), n, k));
    p.w_dense.resize((size_t)(n * k));
    NT_CHECK_OK(ni_dequantize_rows(pool, NI_TYPE_Q4_0, p.w_dense.data(), k * sizeof(float), q4.data(), qrow, n, k));
    size_t wb = 0, sb = 0, ws = 0;
    NT_CHECK(ni_cuda_marlin_packed_size(n, k, 32, &wb, &sb) == NI_OK, "packed size");
    NT_CHECK(ni_cuda_marlin_workspace_size(n, &ws) == NI_OK, "workspace size");
    const size_t slack = 256;
    p.b_mem.assign(wb + slack, 0);
    p.s_mem.assign(sb + slack, 0);
    p.w_mem.assign(ws + slack, 0);
    p.a_mem.assign((size_t)m * p.a_stride + slack, 0);
    p.c_mem.assign((size_t)m * p.c_stride + slack, 0);
    p.a_f16.resize((size_t)(m * k));
    for (auto& v : p.a_f16) v = ni::f32_to_fp16(r.normal());
    // The packed weights go 48 bytes into their buffer, whose base is 16 bytes past a 64-byte boundary.
    std::vector<uint8_t> pw(wb), ps(sb);
    NT_CHECK(ni_cuda_marlin_repack(NI_TYPE_Q4_0, q4.data(), qrow, n, k, 32, pw.data(), ps.data()) == NI_OK, "repack: %s", ni_cuda_last_error());
    std::memcpy(aligned(p.b_mem) + 16 + 48, pw.data(), wb);
    std::memcpy(aligned(p.s_mem) + 16 + 48, ps.data(), sb);
    for (int64_t row = 0; row < m; ++row)
        std::memcpy(aligned(p.a_mem) + 8 + 8 + row * p.a_stride, p.a_f16.data() + row * k, (size_t)k * 2);
    return p;
}

Operand at(std::vector<uint8_t>& mem, size_t skew, size_t offset, size_t bytes_from_base, int32_t device = 0) {
    return Operand{aligned(mem) + skew, bytes_from_base, device, offset};
}

// The operands as make_problem placed them: B and scales at base + 16, offset 48; A at base + 8, offset 8
// (a base that is not 16-byte aligned, an address that is); C and the workspace plainly.
struct Operands {
    Operand a, b, s, c, w;
};
Operands operands(Problem& p) {
    const size_t bytes = p.b_mem.size() - 128;
    return {at(p.a_mem, 8, 8, p.a_mem.size() - 128), at(p.b_mem, 16, 48, bytes), at(p.s_mem, 16, 48, p.s_mem.size() - 128),
            at(p.c_mem, 4, 0, p.c_mem.size() - 128), at(p.w_mem, 0, 0, p.w_mem.size() - 128)};
}

ni_status check(Problem& p, const Operands& o, GemmAddresses* out) {
    return check_gemm("ni_cuda_marlin_gemm", o.c, p.c_stride, o.a, p.a_stride, o.b, o.s, o.w, p.m, p.n, p.k, p.group, out);
}

// C from the addresses the kernel would get: C[m][n] = Σ_k A[m][k] · (q − 8) · s, in double.
std::vector<double> gemm_from_addresses(const Problem& p, const GemmAddresses& g) {
    const auto* a = static_cast<const uint8_t*>(g.a);
    const auto* b = static_cast<const uint32_t*>(g.b);
    const auto* s = static_cast<const uint16_t*>(g.scales);
    std::vector<double> c((size_t)(p.m * p.n), 0.0);
    for (int64_t row = 0; row < p.m; ++row) {
        const auto* arow = reinterpret_cast<const uint16_t*>(a + row * p.a_stride);
        for (int64_t col = 0; col < p.n; ++col) {
            double sum = 0;
            for (int64_t kk = 0; kk < p.k; ++kk) {
                const NibblePos pos = weight_position(kk, col, p.n);
                const int q = (int)((b[pos.word] >> (4 * pos.nibble)) & 15);
                const double scale = ni::fp16_to_f32(s[scale_position(kk / p.group, col, p.n)]);
                sum += (double)ni::fp16_to_f32(arow[kk]) * (q - 8) * scale;
            }
            c[(size_t)(row * p.n + col)] = sum;
        }
    }
    return c;
}

void check_reference_through_wrapped_addresses() {
    for (int64_t m : {1, 7, 16})
        for (int64_t n : {64, 192}) {
            Problem p = make_problem(m, n, 256, (uint64_t)(m * 1000 + n));
            Operands o = operands(p);
            GemmAddresses g{};
            NT_CHECK(check(p, o, &g) == NI_OK, "M=%lld N=%lld: %s", (long long)m, (long long)n, ni_cuda_last_error());
            NT_CHECK(g.a == aligned(p.a_mem) + 16 && g.b == aligned(p.b_mem) + 64 && g.scales == aligned(p.s_mem) + 64, "addresses = base + offset");
            const std::vector<double> c = gemm_from_addresses(p, g);
            double worst = 0;
            for (int64_t row = 0; row < m; ++row)
                for (int64_t col = 0; col < n; ++col) {
                    double want = 0, magnitude = 0;
                    for (int64_t kk = 0; kk < p.k; ++kk) {
                        const double term = (double)ni::fp16_to_f32(p.a_f16[(size_t)(row * p.k + kk)]) * p.w_dense[(size_t)(col * p.k + kk)];
                        want += term;
                        magnitude += std::fabs(term);
                    }
                    worst = std::max(worst, std::fabs(c[(size_t)(row * n + col)] - want) / (magnitude + 1e-30));
                }
            NT_CHECK(worst < 1e-12, "M=%lld N=%lld: the GEMM on the checked addresses differs from float64 Q4_0 by %.3g", (long long)m, (long long)n, worst);
        }
    std::printf("  repacked Q4_0 in wrapped buffers at offsets, strided f16 rows: the checked addresses give the float64 product (M 1, 7, 16; N 64, 192)\n");
}

void check_gemm_errors() {
    Problem p = make_problem(7, 128, 256, 5);
    GemmAddresses g{};
    {
        Operands o = operands(p);
        o.a.offset = 0;  // base + 8: not 16-byte aligned although the offset is
        expect_fail(check(p, o, &g), NI_ERR_INVALID_ARGUMENT, "A's address", "A's base + offset misaligned");
    }
    {
        Operands o = operands(p);
        o.b.base = static_cast<const uint8_t*>(o.b.base) + 8;
        expect_fail(check(p, o, &g), NI_ERR_INVALID_ARGUMENT, "16-byte aligned", "B's base misaligned");
    }
    {
        Operands o = operands(p);
        o.a.bytes = o.a.offset + (size_t)(p.m - 1) * p.a_stride + (size_t)p.k * 2 - 1;  // one byte short
        expect_fail(check(p, o, &g), NI_ERR_INVALID_ARGUMENT, "A [7][256]", "A one byte past its wrapped size");
    }
    {
        Operands o = operands(p);
        o.w.bytes = 64;
        expect_fail(check(p, o, &g), NI_ERR_INVALID_ARGUMENT, "workspace", "small workspace");
    }
    {
        Operands o = operands(p);
        o.c = Operand{o.a.base, o.a.bytes, 0, o.a.offset + 64};  // a second handle of A's memory
        expect_fail(check(p, o, &g), NI_ERR_INVALID_ARGUMENT, "C overlaps", "C inside A through another handle");
    }
    {
        Operands o = operands(p);
        o.w = Operand{o.b.base, o.b.bytes + 65536, 0, o.b.offset};
        expect_fail(check(p, o, &g), NI_ERR_INVALID_ARGUMENT, "workspace overlaps", "workspace on the weights");
    }
    {
        Operands o = operands(p);
        o.s.device = 1;
        expect_fail(check(p, o, &g), NI_ERR_INVALID_ARGUMENT, "one device", "scales on another device");
    }
    {
        Operands o = operands(p);
        expect_fail(check_gemm("ni_cuda_marlin_gemm", o.c, p.c_stride, o.a, p.a_stride, o.b, o.s, o.w, 7, 100, 256, 32, &g), NI_ERR_SHAPE,
                    "multiple of 64", "N = 100");
        expect_fail(check_gemm("ni_cuda_marlin_gemm", o.c, p.c_stride, o.a, p.a_stride, o.b, o.s, o.w, 0, 128, 256, 32, &g), NI_ERR_INVALID_ARGUMENT,
                    "m must be > 0", "M = 0");
        expect_fail(check_gemm("ni_cuda_marlin_gemm", o.c, 100, o.a, p.a_stride, o.b, o.s, o.w, 7, 128, 256, 32, &g), NI_ERR_INVALID_ARGUMENT,
                    "c_row_stride", "C rows shorter than N");
    }
    std::printf("  check_gemm: misaligned addresses, short wrapped buffers, overlap across handles, mixed devices, shapes refused with messages\n");
}

}  // namespace

int main() {
    std::printf("test_cuda_wrap: wrapped buffers and the GEMM's argument checks on the CPU\n");
    check_wrap_arguments();
    check_gemm_errors();
    check_reference_through_wrapped_addresses();
    return nt::finish("test_cuda_wrap");
}
