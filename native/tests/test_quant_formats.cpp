// Format-level checks through the public API:
//   - fp16 / bf16 conversion exact against the F16C hardware instructions (all 65536 halves,
//     10^7 random floats and the edge cases) and against ggml's bf16 rounding rule
//   - quantize → dequantize round trip: RMS error within a bound per type (the bound is about
//     twice the measured error of the format on Gaussian data with outliers)
//   - zero rows come back as exact zeros
#include <cstring>
#include <immintrin.h>

#include "core/half.h"
#include "test_common.h"

namespace {

__attribute__((target("f16c"))) float hw_half_to_float(uint16_t h) { return _cvtsh_ss(h); }
__attribute__((target("f16c"))) uint16_t hw_float_to_half(float f) { return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT); }

bool same_bits_or_both_nan(float a, float b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::memcmp(&a, &b, 4) == 0;
}

void check_half_conversions() {
    ni_cpu_info info;
    ni_cpu_get_info(&info);
    if (!(info.features & NI_CPU_F16C)) {
        std::printf("SKIP fp16 hardware comparison: CPU has no F16C\n");
        return;
    }
    int bad = 0;
    for (uint32_t h = 0; h < 65536; ++h)
        if (!same_bits_or_both_nan(ni::fp16_to_f32((uint16_t)h), hw_half_to_float((uint16_t)h))) ++bad;
    NT_CHECK(bad == 0, "fp16_to_f32 differs from F16C on %d of 65536 inputs", bad);

    nt::rng r(7);
    bad = 0;
    std::vector<float> edge = {0.0f, -0.0f, 65504.0f, 65519.99f, 65520.0f, -65520.0f, 1e-8f, 2.98e-8f, 2.99e-8f,
                               5.96e-8f, 6.1e-5f, 6.103515625e-05f, INFINITY, -INFINITY, 1.0f / 3.0f};
    for (uint32_t i = 0; i < 10000000; ++i) {
        uint32_t bits = (uint32_t)r.next();
        float f;
        std::memcpy(&f, &bits, 4);
        if (i < edge.size()) f = edge[i];
        if (std::isnan(f)) continue;
        if (ni::f32_to_fp16(f) != hw_float_to_half(f)) {
            if (++bad < 5) std::fprintf(stderr, "  f32_to_fp16(%a) = %04x, F16C %04x\n", f, ni::f32_to_fp16(f), hw_float_to_half(f));
        }
    }
    NT_CHECK(bad == 0, "f32_to_fp16 differs from F16C on %d inputs", bad);

    // bf16: round to nearest even; NaN stays NaN.
    NT_CHECK(ni::f32_to_bf16(1.0f) == 0x3F80, "bf16(1.0)");
    NT_CHECK(ni::f32_to_bf16(ni::bits_to_f32(0x3F808000)) == 0x3F80, "bf16 tie rounds to even (down)");
    NT_CHECK(ni::f32_to_bf16(ni::bits_to_f32(0x3F818000)) == 0x3F82, "bf16 tie rounds to even (up)");
    NT_CHECK(ni::f32_to_bf16(ni::bits_to_f32(0x3F808001)) == 0x3F81, "bf16 above tie rounds up");
    NT_CHECK(std::isnan(ni::bf16_to_f32(ni::f32_to_bf16(NAN))), "bf16(NaN) is NaN");
}

double rms(const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += (double)x * x;
    return std::sqrt(s / v.size());
}

void check_round_trip(ni_pool* pool) {
    struct bound { int type; double max_rel_rms; };
    // Measured relative RMS error on this data (2% of values are 8σ outliers, which stretch each
    // block's scale): Q4_0 0.150, Q4_K 0.098, Q6_K 0.028, Q8_0 0.0095, Q8_K 0.020 (one scale per
    // 256 values), F16 2.0e-4, BF16 1.6e-3, Q8_1 0.0095, Q4_1 0.103, Q5_0 0.076, Q5_1 0.050,
    // IQ4_NL 0.115, Q2_K 0.354, Q3_K 0.204, Q5_K 0.049, IQ4_XS 0.116 (ggml's own quantizers measure
    // within 1.5 % of these on the same data). Bounds are about 1.3× those.
    const bound bounds[] = {{NI_TYPE_F32, 0.0},     {NI_TYPE_F16, 2.6e-4}, {NI_TYPE_BF16, 2.1e-3},
                            {NI_TYPE_Q8_0, 0.0125}, {NI_TYPE_Q4_0, 0.195}, {NI_TYPE_Q4_K, 0.13},
                            {NI_TYPE_Q6_K, 0.037},  {NI_TYPE_Q8_K, 0.026}, {NI_TYPE_Q8_1, 0.0125},
                            {NI_TYPE_Q4_1, 0.133},  {NI_TYPE_Q5_0, 0.099}, {NI_TYPE_Q5_1, 0.065},
                            {NI_TYPE_IQ4_NL, 0.15}, {NI_TYPE_Q2_K, 0.46},  {NI_TYPE_Q3_K, 0.265},
                            {NI_TYPE_Q5_K, 0.063},  {NI_TYPE_IQ4_XS, 0.15}};
    nt::rng r(99);
    const int64_t rows = 16, cols = 4096;
    std::vector<float> x = nt::make_data(r, (size_t)(rows * cols), 0.02f);
    for (int64_t i = 0; i < cols; ++i) x[(size_t)(5 * cols + i)] = 0.0f;  // row 5 all zero
    for (const bound& b : bounds) {
        const size_t row = nt::row_size(b.type, cols);
        std::vector<uint8_t> q(row * rows);
        std::vector<float> y((size_t)(rows * cols));
        NT_CHECK_OK(ni_quantize_rows(pool, b.type, q.data(), row, x.data(), cols * 4, rows, cols));
        NT_CHECK_OK(ni_dequantize_rows(pool, b.type, y.data(), cols * 4, q.data(), row, rows, cols));
        std::vector<float> err(x.size());
        for (size_t i = 0; i < x.size(); ++i) err[i] = y[i] - x[i];
        const double rel = rms(err) / rms(x);
        std::printf("  %-5s round trip: relative RMS error %.3g (bound %.3g)\n", nt::type_name(b.type), rel, b.max_rel_rms);
        NT_CHECK(rel <= b.max_rel_rms, "%s round trip relative RMS error %.4g exceeds %.4g", nt::type_name(b.type), rel, b.max_rel_rms);
        bool zero_ok = true;
        for (int64_t i = 0; i < cols; ++i) zero_ok &= y[(size_t)(5 * cols + i)] == 0.0f;
        NT_CHECK(zero_ok, "%s: an all-zero row does not come back as zeros", nt::type_name(b.type));
    }
}

}  // namespace

int main() {
    check_half_conversions();
    for (int isa : nt::supported_isas()) {
        std::printf("round trips on %s\n", ni_isa_name(isa));
        nt::pool pool(2, isa);
        check_round_trip(pool);
    }
    return nt::finish("test_quant_formats");
}
