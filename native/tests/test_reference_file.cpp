// ../shared/testdata/quant/quant-reference.gguf and quant-reference-2.gguf, written by the
// reference GGUF tooling:
//   - <type>.q dequantized by ni_dequantize_rows equals <type>.ref bit for bit, for every type of
//     each file this library implements and on every ISA
//   - ni_quantize_rows of <type>.src equals <type>.quant bit for bit for Q8_0 and BF16; for Q4_0
//     the scale matches exactly and quants differ by at most one step (reference ties can round
//     differently)
//   - types this library reads but cannot write (the i-quants) are refused by ni_quantize_rows
// A file that is absent is reported with the path looked at; skips (exit 77) when both are.
#include <cstring>

#include "gguf_mini.h"
#include "test_common.h"

namespace {

struct named_type {
    const char* name;  // tensor name prefix in the file
    int type;
};

// quant-reference.gguf
const named_type kFirstFileTypes[] = {{"q4_0", NI_TYPE_Q4_0}, {"q8_0", NI_TYPE_Q8_0}, {"q4_k", NI_TYPE_Q4_K},
                                      {"q6_k", NI_TYPE_Q6_K}, {"bf16", NI_TYPE_BF16}, {"f16", NI_TYPE_F16}};
// quant-reference-2.gguf (which also holds ternary formats this library does not implement): the
// types it writes, and the i-quants it only reads
const named_type kSecondFileWritable[] = {{"q4_1", NI_TYPE_Q4_1}, {"q5_0", NI_TYPE_Q5_0}, {"q5_1", NI_TYPE_Q5_1},
                                          {"q2_k", NI_TYPE_Q2_K}, {"q3_k", NI_TYPE_Q3_K}, {"q5_k", NI_TYPE_Q5_K},
                                          {"iq4_nl", NI_TYPE_IQ4_NL}, {"iq4_xs", NI_TYPE_IQ4_XS}};
const named_type kSecondFileReadOnly[] = {{"iq2_xxs", NI_TYPE_IQ2_XXS}, {"iq2_xs", NI_TYPE_IQ2_XS}, {"iq2_s", NI_TYPE_IQ2_S},
                                          {"iq3_xxs", NI_TYPE_IQ3_XXS}, {"iq3_s", NI_TYPE_IQ3_S}, {"iq1_s", NI_TYPE_IQ1_S},
                                          {"iq1_m", NI_TYPE_IQ1_M}};

template <size_t N>
void check_dequantization(const nt::gguf_mini& file, ni_pool* pool, const char* isa, const named_type (&types)[N]) {
    for (const auto& t : types) {
        const nt::gguf_tensor* q = file.find(std::string(t.name) + ".q");
        const nt::gguf_tensor* ref = file.find(std::string(t.name) + ".ref");
        NT_CHECK(q && ref, "tensors %s.q / %s.ref missing", t.name, t.name);
        if (!q || !ref) continue;
        NT_CHECK(q->type == t.type && ref->type == NI_TYPE_F32, "%s: unexpected tensor types %d/%d", t.name, q->type, ref->type);
        const int64_t cols = q->ne[0], rows = q->ne[1];
        std::vector<float> out((size_t)(rows * cols));
        NT_CHECK_OK(ni_dequantize_rows(pool, t.type, out.data(), cols * 4, q->data, nt::row_size(t.type, cols), rows, cols));
        int mismatches = 0;
        for (int64_t i = 0; i < rows * cols; ++i) {
            float expected;
            std::memcpy(&expected, ref->data + 4 * i, 4);
            if (std::memcmp(&expected, &out[(size_t)i], 4) != 0 && ++mismatches <= 3)
                std::fprintf(stderr, "  %s[%lld]: got %.9g, reference %.9g\n", t.name, (long long)i, out[(size_t)i], expected);
        }
        NT_CHECK(mismatches == 0, "%s on %s: %d of %lld dequantized values differ from the reference", t.name, isa,
                 mismatches, (long long)(rows * cols));
    }
}

// Read-only formats: ni_quantize_rows refuses them with a status that names the type.
template <size_t N>
void check_not_writable(ni_pool* pool, const named_type (&types)[N]) {
    const int64_t cols = 256;
    std::vector<float> src(cols, 0.5f);
    std::vector<uint8_t> dst(1024);
    for (const auto& t : types) {
        const ni_status st = ni_quantize_rows(pool, t.type, dst.data(), dst.size(), src.data(), cols * 4, 1, cols);
        NT_CHECK(st == NI_ERR_UNSUPPORTED_TYPE && std::strstr(ni_last_error(), t.name) != nullptr,
                 "ni_quantize_rows(%s) returned %s (%s), expected NI_ERR_UNSUPPORTED_TYPE naming the type", t.name,
                 ni_status_name(st), ni_last_error());
    }
}

void check_quantization(const nt::gguf_mini& file, ni_pool* pool, const char* isa) {
    const struct { const char* name; int type; } types[] = {{"q8_0", NI_TYPE_Q8_0}, {"bf16", NI_TYPE_BF16}, {"q4_0", NI_TYPE_Q4_0}};
    for (const auto& t : types) {
        const nt::gguf_tensor* src = file.find(std::string(t.name) + ".src");
        const nt::gguf_tensor* ref = file.find(std::string(t.name) + ".quant");
        NT_CHECK(src && ref, "tensors %s.src / %s.quant missing", t.name, t.name);
        if (!src || !ref) continue;
        const int64_t cols = src->ne[0], rows = src->ne[1];
        const size_t row = nt::row_size(t.type, cols);
        std::vector<uint8_t> out(row * rows);
        NT_CHECK_OK(ni_quantize_rows(pool, t.type, out.data(), row, reinterpret_cast<const float*>(src->data),
                                     cols * 4, rows, cols));
        if (t.type != NI_TYPE_Q4_0) {
            NT_CHECK(std::memcmp(out.data(), ref->data, out.size()) == 0, "%s on %s: quantization differs from the reference",
                     t.name, isa);
            continue;
        }
        // Q4_0: 18-byte blocks, fp16 scale then 16 bytes of nibbles.
        int scale_diffs = 0, far_quants = 0, tie_quants = 0;
        for (size_t b = 0; b < out.size() / 18; ++b) {
            const uint8_t* mine = out.data() + 18 * b;
            const uint8_t* theirs = ref->data + 18 * b;
            if (std::memcmp(mine, theirs, 2) != 0) ++scale_diffs;
            for (int j = 0; j < 16; ++j)
                for (int shift : {0, 4}) {
                    const int a = (mine[2 + j] >> shift) & 0xF, c = (theirs[2 + j] >> shift) & 0xF;
                    if (std::abs(a - c) > 1) ++far_quants;
                    else if (a != c) ++tie_quants;
                }
        }
        NT_CHECK(scale_diffs == 0 && far_quants == 0, "q4_0 on %s: %d scales differ, %d quants off by more than one",
                 isa, scale_diffs, far_quants);
        std::printf("  q4_0 quantization on %s: %d quants one step off (ties)\n", isa, tie_quants);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string first_path = argc > 1 ? argv[1] : "../shared/testdata/quant/quant-reference.gguf";
    const std::string second_path = argc > 2 ? argv[2] : "../shared/testdata/quant/quant-reference-2.gguf";
    nt::gguf_mini first, second;
    std::string first_error, second_error;
    const bool have_first = first.load(first_path, first_error), have_second = second.load(second_path, second_error);
    if (!have_first) std::printf("reference data not available (%s): %s\n", first_path.c_str(), first_error.c_str());
    if (!have_second) std::printf("reference data not available (%s): %s\n", second_path.c_str(), second_error.c_str());
    if (!have_first && !have_second) {
        std::printf("SKIP: no reference file\n");
        return nt::kSkip;
    }
    for (int isa : nt::supported_isas()) {
        nt::pool pool(2, isa);
        if (have_first) {
            check_dequantization(first, pool, ni_isa_name(isa), kFirstFileTypes);
            check_quantization(first, pool, ni_isa_name(isa));
        }
        if (have_second) {
            check_dequantization(second, pool, ni_isa_name(isa), kSecondFileWritable);
            check_dequantization(second, pool, ni_isa_name(isa), kSecondFileReadOnly);
        }
        check_not_writable(pool, kSecondFileReadOnly);
    }
    return nt::finish("test_reference_file");
}
