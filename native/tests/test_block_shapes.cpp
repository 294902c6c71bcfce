// GEMV and tile GEMM of the block types on every ISA against the scalar reference, at the shapes
// where blocked kernels keep their edge cases:
//   - 32-value blocks (Q4_0, Q8_0, Q4_1, Q5_0, Q5_1, IQ4_NL): K from 1 to 44 blocks and 342
//     (DeepSeek-V2-Lite's 10944): every remainder of the 16-block chunks and 4-block quads the
//     AVX-512 Q4_0 kernel reads, odd block counts (the AVX-512 kernels read block pairs), K = 1408
//   - 256-value super-blocks (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS and the i-quants): K from 1 to 12 super-blocks,
//     28 (DeepSeek-V3's 7168) and 43
//   - M = 1, 2, 3, 5, 7 rows and N = 1..9 tokens, so every tile edge occurs
//   - weight rows w_stride apart with NaN-scale bytes between them, and the last row ending at an
//     unreadable page: a read past a row faults, a masked-out byte that leaked would show as NaN.
// Tolerance as test_kernels_vs_scalar: nt::product_tolerance of Σ|w·x| (float accumulation in another order).
// Batch invariance: each token's GEMM outputs equal, bit for bit, the GEMV of that token alone.
// The VNNI table's own kernels for Q4_K and Q6_K (vpdpwssd) and, on a CPU with AVX512_VBMI, the VBMI
// i-quant kernels must be registered (not fall through to AVX-512's) and give the AVX-512 kernels' bits:
// both sum the same exact integers.
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "kernel_compare.h"
#include "weight_rows.h"

namespace {

// rows × w_stride bytes whose last row ends where an inaccessible page begins.
struct guarded_rows {
    char* map = nullptr;
    size_t map_bytes = 0;
    char* rows = nullptr;

    guarded_rows(size_t bytes) {
        const size_t page = (size_t)sysconf(_SC_PAGESIZE);
        const size_t data_pages = (bytes + page - 1) / page;
        map_bytes = (data_pages + 1) * page;
        void* m = mmap(nullptr, map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) { std::perror("mmap"); std::abort(); }
        map = static_cast<char*>(m);
        if (mprotect(map + data_pages * page, page, PROT_NONE) != 0) { std::perror("mprotect"); std::abort(); }
        rows = map + data_pages * page - bytes;
    }
    ~guarded_rows() { munmap(map, map_bytes); }
    guarded_rows(const guarded_rows&) = delete;
    guarded_rows& operator=(const guarded_rows&) = delete;
};


// GEMV for each token alone must give the bits the GEMM gives that token at its place in a tile.
void check_batch_invariance(const ni::type_kernels& ik, const ni::kernel_table& isa, int type, int64_t k, const char* w,
                            size_t w_stride, int64_t rows, const float* xf, int64_t toks) {
    const size_t stride = (ik.act_bytes(k) + 63) / 64 * 64;
    std::vector<uint8_t> act(stride * toks + 64);
    uint8_t* x = act.data() + (64 - reinterpret_cast<uintptr_t>(act.data()) % 64) % 64;
    for (int64_t i = 0; i < toks; ++i) ik.prepare_act(&xf[i * k], x + i * stride, k);
    std::vector<float> tile((size_t)(rows * toks), NAN), alone((size_t)rows, NAN);
    ik.gemm(k, w, w_stride, rows, x, stride, toks, tile.data(), rows);
    for (int64_t c = 0; c < toks; ++c) {
        ik.gemv(k, w, w_stride, rows, x + c * stride, alone.data());
        NT_CHECK(std::memcmp(alone.data(), &tile[(size_t)(c * rows)], (size_t)rows * 4) == 0,
                 "%s %s k=%lld rows=%lld: token %lld of a %lld-token GEMM differs from its GEMV", ni_isa_name(isa.isa),
                 nt::type_name(type), (long long)k, (long long)rows, (long long)c, (long long)toks);
    }
}

void check_type(const ni::kernel_table& ref, const ni::kernel_table& isa, int type, int64_t nb, nt::rng& r) {
    const int64_t k = nt::block_size(type) * nb, max_rows = 7, max_toks = 9;
    const nt::weight_rows wr = nt::make_weight_rows(r, type, max_rows, k, 0.05f);
    const size_t w_row = wr.row_bytes, w_stride = w_row + 20;  // 20 bytes of 0xFF between rows
    std::vector<float> xf = nt::make_data(r, (size_t)(max_toks * k));
    const ni::type_kernels& rk = ref.types[type];
    const ni::type_kernels& ik = isa.types[type];
    // Activations as the reference quantizes them, for the error scale.
    const int act = nt::activation_type(type);
    std::vector<float> xd((size_t)(max_toks * k));
    std::vector<uint8_t> xq(nt::row_size(act, k));
    for (int64_t i = 0; i < max_toks; ++i) {
        ref.types[act].quantize_row(&xf[i * k], xq.data(), k);
        ref.types[act].dequantize_row(xq.data(), &xd[i * k], k);
    }

    for (int64_t rows : {1, 2, 3, 5, 7}) {
        guarded_rows w((size_t)(rows - 1) * w_stride + w_row);
        std::memset(w.rows, 0xFF, (size_t)(rows - 1) * w_stride + w_row);
        for (int64_t i = 0; i < rows; ++i) std::memcpy(w.rows + i * w_stride, wr.row(i), w_row);
        for (int64_t toks = 1; toks <= max_toks; ++toks) {
            const double worst = nt::isa_vs_scalar_error(rk, ik, k, w.rows, w_stride, rows, xf.data(), toks, wr.f.data(), xd.data());
            NT_CHECK(worst <= nt::product_tolerance(type), "%s %s %s k=%lld (%lld blocks) rows=%lld tokens=%lld: max |Δ|/Σ|wx| = %.3g",
                     ni_isa_name(isa.isa), toks == 1 ? "gemv" : "gemm", nt::type_name(type), (long long)k, (long long)nb,
                     (long long)rows, (long long)toks, worst);
            if (toks > 1) check_batch_invariance(ik, isa, type, k, w.rows, w_stride, rows, xf.data(), toks);
        }
    }
}

// The VNNI table's kernels for `type` against the AVX-512 table's, bit for bit, GEMV and GEMM.
void check_same_bits_as_avx512(nt::rng& r, int type, const char* what) {
    const ni::type_kernels &pk = ni::kernels_for(NI_ISA_AVX512).types[type], &vk = ni::kernels_for(NI_ISA_AVX512_VNNI).types[type];
    NT_CHECK(vk.gemv != pk.gemv && vk.gemm != pk.gemm, "%s: the VNNI table falls through to the AVX-512 kernels", nt::type_name(type));
    for (int64_t nb : {1, 3, 28}) {
        const int64_t k = nt::block_size(type) * nb, rows = 7, toks = 9;
        const nt::weight_rows wr = nt::make_weight_rows(r, type, rows, k, 0.05f);
        const std::vector<float> xf = nt::make_data(r, (size_t)(toks * k));
        const size_t stride = (pk.act_bytes(k) + 63) / 64 * 64;
        std::vector<uint8_t> act(stride * toks + 64);
        uint8_t* x = act.data() + (64 - reinterpret_cast<uintptr_t>(act.data()) % 64) % 64;
        for (int64_t i = 0; i < toks; ++i) pk.prepare_act(&xf[i * k], x + i * stride, k);
        std::vector<float> yp((size_t)(rows * toks)), yv((size_t)(rows * toks));
        pk.gemv(k, wr.q.data(), wr.row_bytes, rows, x, yp.data());
        vk.gemv(k, wr.q.data(), wr.row_bytes, rows, x, yv.data());
        NT_CHECK(std::memcmp(yp.data(), yv.data(), rows * sizeof(float)) == 0, "%s k=%lld: %s GEMV differs from AVX-512's",
                 nt::type_name(type), (long long)k, what);
        pk.gemm(k, wr.q.data(), wr.row_bytes, rows, x, stride, toks, yp.data(), rows);
        vk.gemm(k, wr.q.data(), wr.row_bytes, rows, x, stride, toks, yv.data(), rows);
        NT_CHECK(std::memcmp(yp.data(), yv.data(), yp.size() * sizeof(float)) == 0, "%s k=%lld: %s GEMM differs from AVX-512's",
                 nt::type_name(type), (long long)k, what);
    }
}

void check_vnni_kernels(nt::rng& r) {
    ni_cpu_info info;
    ni_cpu_get_info(&info);
    if (info.best_isa < NI_ISA_AVX512_VNNI) {
        std::printf("no AVX-512 VNNI: its own kernels are not checked against AVX-512's here\n");
        return;
    }
    for (int type : {NI_TYPE_Q4_K, NI_TYPE_Q6_K}) check_same_bits_as_avx512(r, type, "VNNI");
    if (!(info.features & NI_CPU_AVX512_VBMI)) {
        std::printf("no AVX512_VBMI: the VBMI i-quant kernels are not registered here\n");
        return;
    }
    for (int type : {NI_TYPE_IQ2_XXS, NI_TYPE_IQ2_XS, NI_TYPE_IQ3_XXS, NI_TYPE_IQ3_S}) check_same_bits_as_avx512(r, type, "VBMI");
}

}  // namespace

int main() {
    const ni::kernel_table& ref = ni::kernels_for(NI_ISA_SCALAR);
    std::vector<int64_t> blocks, super_blocks;
    for (int64_t nb = 1; nb <= 44; ++nb) blocks.push_back(nb);
    blocks.push_back(342);
    for (int64_t nb = 1; nb <= 12; ++nb) super_blocks.push_back(nb);
    super_blocks.push_back(28);
    super_blocks.push_back(43);
    for (int isa : nt::supported_isas()) {
        nt::rng r(99 + isa);
        const ni::kernel_table& t = ni::kernels_for(isa);
        std::printf("checking %s against scalar\n", ni_isa_name(isa));
        for (int type : {NI_TYPE_Q4_0, NI_TYPE_Q8_0, NI_TYPE_Q4_1, NI_TYPE_Q5_0, NI_TYPE_Q5_1, NI_TYPE_IQ4_NL})
            for (int64_t nb : blocks) check_type(ref, t, type, nb, r);
        for (int type : {NI_TYPE_Q2_K, NI_TYPE_Q3_K, NI_TYPE_Q4_K, NI_TYPE_Q5_K, NI_TYPE_Q6_K, NI_TYPE_IQ4_XS, NI_TYPE_IQ2_XXS, NI_TYPE_IQ2_XS, NI_TYPE_IQ2_S,
                         NI_TYPE_IQ3_XXS, NI_TYPE_IQ3_S, NI_TYPE_IQ1_S, NI_TYPE_IQ1_M})
            for (int64_t nb : super_blocks) check_type(ref, t, type, nb, r);
    }
    nt::rng r(7);
    check_vnni_kernels(r);
    return nt::finish("test_block_shapes");
}
