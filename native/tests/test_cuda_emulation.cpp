// The Marlin kernel's index math, run on the CPU.
//
// This machine class has no GPU, so this test emulates one: every thread of every block of
// marlin_int4_kernel, step by step (fetch_to_shared, fetch_to_registers, matmul,
// thread_block_reduce, global_reduce, write_result), computing every address with the very Tile /
// weight_position / slice_at functions the kernel uses (native/cuda/marlin/marlin_layout.h), while
// the warp-wide instructions — ldmatrix.x4, mma.m16n8k16, lop3 and the f16x2 arithmetic of
// dequant — are implemented here from the PTX ISA's description, independently of the kernel.
// The weights come from the library's repack. With small-integer activations and power-of-two
// scales every product and sum is exact, so the emulated C must equal the reference
// C = Σ_k A[m][k] · (q[k][n] − 8) · s[k / group][n], rounded once to f16, bit for bit: a wrong
// permutation, swizzle, fragment mapping, stage index, stripe or reduction order cannot hide.
//
// What it cannot see: timing (a cp.async read before it lands, a missing barrier), the compiler,
// and the hardware's own f32 summation order. Those need test_cuda_gemm on a GPU.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/half.h"
#include "marlin/marlin_layout.h"
#include "test_common.h"

using namespace ni::marlin;

namespace {

// ====================================================================== PTX semantics, emulated

float h2f(uint16_t h) { return ni::fp16_to_f32(h); }
uint16_t f2h(double v) { return ni::f32_to_fp16((float)v); }  // exact inputs here: one rounding
uint16_t lo16(uint32_t u) { return (uint16_t)(u & 0xFFFF); }
uint16_t hi16(uint32_t u) { return (uint16_t)(u >> 16); }
uint32_t pack2(uint16_t lo, uint16_t hi) { return (uint32_t)lo | (uint32_t)hi << 16; }

// lop3.b32 d, a, b, c, lut: bit i of d is bit (4·a_i + 2·b_i + c_i) of lut.
uint32_t lop3(uint32_t a, uint32_t b, uint32_t c, int lut) {
    uint32_t d = 0;
    for (int i = 0; i < 32; ++i) {
        const int idx = (int)(((a >> i) & 1) << 2 | ((b >> i) & 1) << 1 | ((c >> i) & 1));
        d |= (uint32_t)((lut >> idx) & 1) << i;
    }
    return d;
}

// f16x2 arithmetic, each half rounded once to nearest even (products of two f16 are exact in
// double, so double then one rounding is the IEEE result).
uint32_t hsub2(uint32_t a, uint32_t b) {
    return pack2(f2h((double)h2f(lo16(a)) - h2f(lo16(b))), f2h((double)h2f(hi16(a)) - h2f(hi16(b))));
}
uint32_t hmul2(uint32_t a, uint32_t b) {
    return pack2(f2h((double)h2f(lo16(a)) * h2f(lo16(b))), f2h((double)h2f(hi16(a)) * h2f(hi16(b))));
}
uint32_t hfma2(uint32_t a, uint32_t b, uint32_t c) {
    return pack2(f2h((double)h2f(lo16(a)) * h2f(lo16(b)) + h2f(lo16(c))), f2h((double)h2f(hi16(a)) * h2f(hi16(b)) + h2f(hi16(c))));
}

// The kernel's dequant(), instruction by instruction.
void dequant(uint32_t q, uint32_t (&out)[4]) {
    const uint32_t lo0 = lop3(q, kDequantLo, kDequantExp, kLop3AndOr);
    const uint32_t hi0 = lop3(q, kDequantHi, kDequantExp, kLop3AndOr);
    q >>= 8;
    const uint32_t lo1 = lop3(q, kDequantLo, kDequantExp, kLop3AndOr);
    const uint32_t hi1 = lop3(q, kDequantHi, kDequantExp, kLop3AndOr);
    out[0] = hsub2(lo0, kDequantSub);
    out[1] = hfma2(hi0, kDequantMul, kDequantAdd);
    out[2] = hsub2(lo1, kDequantSub);
    out[3] = hfma2(hi1, kDequantMul, kDequantAdd);
}

// ldmatrix.sync.aligned.m8n8.x4.shared.b16: lanes 8i..8i+7 supply the byte addresses of rows 0..7
// of matrix i (16 bytes each); lane L receives in register i the two b16 at row L / 4, columns
// 2 · (L % 4) and +1 of matrix i.
void ldsm4(const uint8_t* smem, const size_t (&row_addr)[32], uint32_t (&out)[32][4]) {
    for (int i = 0; i < 4; ++i)
        for (int lane = 0; lane < 32; ++lane) std::memcpy(&out[lane][i], smem + row_addr[8 * i + lane / 4] + 4 * (lane % 4), 4);
}

// mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 D = A·B + C, with the fragment layouts of the
// PTX ISA (groupID g = lane >> 2, threadID_in_group t = lane % 4):
//   A a0..a7 (registers a[0..3], low half first): row g for a0,a1,a4,a5, g+8 otherwise;
//     column 2t + (i & 1), +8 for i ≥ 4
//   B b0..b3 (registers b[0..1]): row 2t + (i & 1), +8 for i ≥ 2; column g
//   C/D c0..c3: row g for c0,c1, g+8 for c2,c3; column 2t + (i & 1)
void mma(const uint32_t (&a)[32][4], const uint32_t (&b)[32][2], float (&c)[32][4]) {
    float A[16][16], B[16][8];
    for (int lane = 0; lane < 32; ++lane) {
        const int g = lane >> 2, t = lane % 4;
        for (int i = 0; i < 8; ++i) {
            const int row = (i < 2 || (i >= 4 && i < 6)) ? g : g + 8;
            const int col = 2 * t + (i & 1) + (i >= 4 ? 8 : 0);
            A[row][col] = h2f(i % 2 ? hi16(a[lane][i / 2]) : lo16(a[lane][i / 2]));
        }
        for (int i = 0; i < 4; ++i) B[2 * t + (i & 1) + (i >= 2 ? 8 : 0)][g] = h2f(i % 2 ? hi16(b[lane][i / 2]) : lo16(b[lane][i / 2]));
    }
    for (int lane = 0; lane < 32; ++lane) {
        const int g = lane >> 2, t = lane % 4;
        for (int i = 0; i < 4; ++i) {
            const int row = g + (i >= 2 ? 8 : 0), col = 2 * t + (i & 1);
            double s = c[lane][i];
            for (int k = 0; k < 16; ++k) s += (double)A[row][k] * B[k][col];
            c[lane][i] = (float)s;
        }
    }
}

// ========================================================================= the problem, on host

struct Problem {
    int64_t m, n, k, group;
    std::vector<uint16_t> a;     // [m][k] f16
    std::vector<uint8_t> q;      // [n][k] 0..15 (GGUF orientation)
    std::vector<uint16_t> s;     // [n][k / group] f16
    std::vector<uint32_t> b_packed;
    std::vector<uint16_t> s_packed;
};

// Random activations, q and scales, packed through the library: group 32 goes through Q4_0 blocks
// and ni_cuda_marlin_repack (exactly the production path); other group sizes are placed with the
// repack's weight_position / scale_position and read back with ni_cuda_marlin_unpack.
// exact: activations in {-3..3} and scales ±2^-e, so every product and sum below is exact.
Problem make_problem(int64_t m, int64_t n, int64_t k, int64_t group, bool exact, uint64_t seed) {
    nt::rng r(seed);
    Problem p{m, n, k, group, {}, {}, {}, {}, {}};
    p.a.resize(m * k);
    for (auto& v : p.a) v = exact ? ni::f32_to_fp16((float)((int)(r.next() % 7) - 3)) : ni::f32_to_fp16(r.normal());
    p.q.resize(n * k);
    for (auto& v : p.q) v = (uint8_t)(r.next() % 16);
    p.s.resize(n * (k / group));
    for (auto& v : p.s) {
        const float mag = exact ? std::ldexp(1.0f, -(int)(r.next() % 5)) : 0.002f + 0.02f * r.uniform();
        v = ni::f32_to_fp16(r.next() % 2 ? -mag : mag);
    }
    p.b_packed.assign(n * k / 8, 0);
    p.s_packed.assign(n * (k / group), 0);
    if (group == 32) {
        std::vector<uint8_t> q4(n * (k / 32) * 18);
        for (int64_t row = 0; row < n; ++row)
            for (int64_t b = 0; b < k / 32; ++b) {
                uint8_t* blk = &q4[(row * (k / 32) + b) * 18];
                std::memcpy(blk, &p.s[row * (k / 32) + b], 2);
                for (int j = 0; j < 16; ++j) blk[2 + j] = (uint8_t)(p.q[row * k + b * 32 + j] | p.q[row * k + b * 32 + j + 16] << 4);
            }
        NT_CHECK_OK(ni_cuda_marlin_repack(NI_TYPE_Q4_0, q4.data(), (k / 32) * 18, n, k, 32, p.b_packed.data(), p.s_packed.data()));
    } else {
        for (int64_t row = 0; row < n; ++row) {
            for (int64_t col = 0; col < k; ++col) {
                const NibblePos pos = weight_position(col, row, n);
                p.b_packed[pos.word] |= (uint32_t)p.q[row * k + col] << (4 * pos.nibble);
            }
            for (int64_t g = 0; g < k / group; ++g) p.s_packed[scale_position(g, row, n)] = p.s[row * (k / group) + g];
        }
        // and the library's unpack must read them back
        std::vector<uint8_t> q2(n * k);
        std::vector<uint16_t> s2(n * (k / group));
        NT_CHECK_OK(ni_cuda_marlin_unpack(p.b_packed.data(), p.s_packed.data(), n, k, group, q2.data(), s2.data()));
        NT_CHECK(q2 == p.q && s2 == p.s, "unpack of a hand-packed group-%lld problem", (long long)group);
    }
    return p;
}

// C = Σ_k A[m][k] · (q[k][n] − 8) · s[k / group][n] in double.
std::vector<double> reference(const Problem& p) {
    std::vector<double> c(p.m * p.n, 0.0);
    const int64_t groups = p.k / p.group;
    for (int64_t row = 0; row < p.m; ++row)
        for (int64_t col = 0; col < p.n; ++col) {
            double sum = 0.0;
            for (int64_t kk = 0; kk < p.k; ++kk)
                sum += (double)h2f(p.a[row * p.k + kk]) * ((int)p.q[col * p.k + kk] - 8) * h2f(p.s[col * groups + kk / p.group]);
            c[row * p.n + col] = sum;
        }
    return c;
}

// ============================================================================ the kernel, emulated

struct Gpu {
    std::vector<int> locks;
    std::vector<float> partials;  // f32x4 units
    std::vector<uint16_t> c;      // [m][n] f16
    std::vector<int> writes;      // how often each C element was written
};

template <int M_BLOCKS, int N_WARPS, int K_BLOCKS, int GROUP_BLOCKS>
struct Kernel {
    using T = Tile<M_BLOCKS, N_WARPS, K_BLOCKS, GROUP_BLOCKS>;
    static constexpr bool kGrouped = GROUP_BLOCKS > 0;

    const Problem& p;
    Gpu& gpu;
    int64_t row0;  // first row of this launch
    int prob_m, iters, k_tiles, n_tiles;
    std::vector<uint8_t> smem = std::vector<uint8_t>((size_t)T::smem_bytes);
    float acc[kWarps][M_BLOCKS][8][32][4];

    Kernel(const Problem& p_, Gpu& g, int64_t r0, int rows) : p(p_), gpu(g), row0(r0), prob_m(rows) {}

    // One launch on `sms` SMs: the blocks one after the other, lower first, as the locks demand.
    void launch(int sms) {
        k_tiles = (int)(p.k / T::thread_k);
        n_tiles = (int)(p.n / T::thread_n);
        const Plan plan = make_plan(k_tiles, n_tiles, sms);
        iters = plan.iters;
        for (int block = 0; block < plan.blocks; ++block) run_block(block);
    }

    uint8_t* smem_i4(int stage, int part_offset_i4, int index_i4) { return &smem[16 * ((size_t)stage * T::stage_i4 + part_offset_i4 + index_i4)]; }

    void fetch_to_shared(int stage, int k_tile, int n_tile) {
        const int64_t a_stride_i4 = p.k / 8;
        for (int tid = 0; tid < kThreads; ++tid) {
            for (int i = 0; i < (T::a_i4 + kThreads - 1) / kThreads; ++i) {
                const int idx = i * kThreads + tid;
                if (!(T::a_i4 % kThreads == 0 || idx < T::a_i4)) continue;
                const int row = T::a_fetch_row(idx), chunk = T::a_fetch_chunk(idx);
                const bool live = row < prob_m;
                const int64_t src = T::a_global(live ? row : 0, chunk, k_tile, a_stride_i4);
                uint8_t* dst = smem_i4(stage, 0, T::a_smem(row, chunk));
                if (live) std::memcpy(dst, &p.a[row0 * p.k + src * 8], 16);
                else std::memset(dst, 0, 16);  // cp.async src-size 0: zero-fill
            }
            for (int i = 0; i < (T::b_i4 + kThreads - 1) / kThreads; ++i) {
                const int idx = i * kThreads + tid;
                if (!(T::b_i4 % kThreads == 0 || idx < T::b_i4)) continue;
                std::memcpy(smem_i4(stage, T::a_i4, idx), &p.b_packed[4 * T::b_global(idx, k_tile, n_tile, p.n / 64)], 16);
            }
            if (kGrouped && tid < T::s_i4)
                std::memcpy(smem_i4(stage, T::a_i4 + T::b_i4, tid), &p.s_packed[8 * T::s_global(tid, k_tile, n_tile, p.n / 8)], 16);
        }
    }

    // fetch_to_registers + matmul for one warp and k16 block kb of the tile in `stage`.
    void warp_step(int warp, int stage, int kb) {
        const int warp_n = T::warp_n(warp);
        uint32_t a[M_BLOCKS][32][4];
        for (int mb = 0; mb < M_BLOCKS; ++mb) {
            size_t addr[32];
            for (int lane = 0; lane < 32; ++lane) addr[lane] = smem_i4(stage, 0, T::a_ldsm(lane, mb, kb)) - smem.data();
            ldsm4(smem.data(), addr, a[mb]);
        }
        uint32_t b[32][4], s[32][4];
        for (int lane = 0; lane < 32; ++lane) {
            std::memcpy(b[lane], smem_i4(stage, T::a_i4, T::b_smem(kb, warp_n, lane)), 16);
            if (kGrouped) std::memcpy(s[lane], smem_i4(stage, T::a_i4 + T::b_i4, T::s_smem(kb, warp_n, lane)), 16);
        }
        for (int j = 0; j < 4; ++j) {
            uint32_t b_even[32][2], b_odd[32][2];
            for (int lane = 0; lane < 32; ++lane) {
                uint32_t w[4];
                dequant(b[lane][j], w);
                if (kGrouped) {
                    const uint32_t s0 = pack2(lo16(s[lane][j]), lo16(s[lane][j]));  // __low2half2
                    const uint32_t s1 = pack2(hi16(s[lane][j]), hi16(s[lane][j]));  // __high2half2
                    w[0] = hmul2(w[0], s0);
                    w[1] = hmul2(w[1], s0);
                    w[2] = hmul2(w[2], s1);
                    w[3] = hmul2(w[3], s1);
                }
                b_even[lane][0] = w[0];
                b_even[lane][1] = w[1];
                b_odd[lane][0] = w[2];
                b_odd[lane][1] = w[3];
            }
            for (int mb = 0; mb < M_BLOCKS; ++mb) {
                mma(a[mb], b_even, acc[warp][mb][2 * j]);
                mma(a[mb], b_odd, acc[warp][mb][2 * j + 1]);
            }
        }
    }

    float* red(int index) { return reinterpret_cast<float*>(&smem[16 * (size_t)index]); }

    void thread_block_reduce() {
        for (int step = T::k_warps / 2; step >= 1; step /= 2) {
            for (int warp = 0; warp < kWarps; ++warp) {
                const int wk = T::warp_k(warp), wn = T::warp_n(warp);
                if (wk >= step && wk < 2 * step)
                    for (int mb = 0; mb < M_BLOCKS; ++mb)
                        for (int sub = 0; sub < 8; ++sub)
                            for (int lane = 0; lane < 32; ++lane) std::memcpy(red(T::red_index(wk - step, wn, mb, sub, lane)), acc[warp][mb][sub][lane], 16);
            }
            // __syncthreads
            for (int warp = 0; warp < kWarps; ++warp) {
                const int wk = T::warp_k(warp), wn = T::warp_n(warp);
                if (wk < step)
                    for (int mb = 0; mb < M_BLOCKS; ++mb)
                        for (int sub = 0; sub < 8; ++sub)
                            for (int lane = 0; lane < 32; ++lane)
                                for (int e = 0; e < 4; ++e) acc[warp][mb][sub][lane][e] += red(T::red_index(wk, wn, mb, sub, lane))[e];
            }
        }
    }

    void global_reduce(const Slice& s, int block) {
        if (s.count == 1) return;
        // A block spins until the lock holds its index; emulated blocks run in order, so anything
        // else would be a hang on the GPU.
        NT_CHECK(gpu.locks[s.col] == s.index, "block %d: lock of column %d holds %d, expected %d (would deadlock)", block, s.col,
                 gpu.locks[s.col], s.index);
        for (int warp = 0; warp < kWarps; ++warp) {
            if (T::warp_k(warp) != 0) continue;
            const int64_t unit = (int64_t)s.col * N_WARPS + T::warp_n(warp);
            for (int mb = 0; mb < M_BLOCKS; ++mb)
                for (int sub = 0; sub < 8; ++sub)
                    for (int lane = 0; lane < 32; ++lane) {
                        float* part = &gpu.partials[4 * partial_index(unit, mb, sub, lane)];
                        for (int e = 0; e < 4; ++e) {
                            if (s.index > 0) acc[warp][mb][sub][lane][e] += part[e];
                            if (s.index < s.count - 1) part[e] = acc[warp][mb][sub][lane][e];
                        }
                    }
        }
        gpu.locks[s.col] = s.index == s.count - 1 ? 0 : s.index + 1;
    }

    void write_result(const Slice& s) {
        for (int warp = 0; warp < kWarps; ++warp) {
            if (T::warp_k(warp) != 0) continue;
            for (int lane = 0; lane < 32; ++lane) {
                const int g = lane / 4, t = lane % 4;
                for (int sub = 0; sub < 8; ++sub) {
                    const int col = s.col * T::thread_n + T::warp_n(warp) * kUnitN + sub * 8 + 2 * t;
                    float s0 = 1.0f, s1 = 1.0f;
                    if (!kGrouped) {
                        s0 = h2f(p.s_packed[scale_position(0, col, p.n)]);
                        s1 = h2f(p.s_packed[scale_position(0, col + 1, p.n)]);
                    }
                    for (int mb = 0; mb < M_BLOCKS; ++mb)
                        for (int h = 0; h < 2; ++h) {
                            const int row = mb * 16 + g + 8 * h;
                            if (row >= prob_m) continue;
                            const int64_t at = (row0 + row) * p.n + col;
                            gpu.c[at] = ni::f32_to_fp16(acc[warp][mb][sub][lane][2 * h] * s0);  // f32 multiply, then __floats2half2_rn
                            gpu.c[at + 1] = ni::f32_to_fp16(acc[warp][mb][sub][lane][2 * h + 1] * s1);
                            ++gpu.writes[at];
                            ++gpu.writes[at + 1];
                        }
                }
            }
        }
    }

    void run_block(int block) {
        std::memset(smem.data(), 0xFF, smem.size());  // NaN everywhere: a read of an unwritten byte poisons C
        const int t_begin = block * iters;
        const int t_end = std::min(t_begin + iters, k_tiles * n_tiles);
        for (int t = t_begin; t < t_end;) {
            const Slice s = slice_at(t, t_end, block, k_tiles, iters);
            t += s.len;
            std::memset(acc, 0, sizeof acc);
            for (int i = 0; i < kStages - 1; ++i)
                if (i < s.len) fetch_to_shared(i, s.row0 + i, s.col);
            for (int it = 0; it < s.len; ++it) {
                const int next = it + kStages - 1;
                if (next < s.len) fetch_to_shared(next % kStages, s.row0 + next, s.col);
                for (int warp = 0; warp < kWarps; ++warp)
                    for (int ks = 0; ks < T::k_steps; ++ks) warp_step(warp, it % kStages, T::kb_local(T::warp_k(warp), ks));
            }
            thread_block_reduce();
            global_reduce(s, block);
            if (s.index == s.count - 1) write_result(s);
        }
    }
};

// Dispatch a TileConfig to its emulated instantiation: the same list the library compiles.
void launch(const TileConfig& cfg, const Problem& p, Gpu& gpu, int64_t row0, int rows, int sms) {
    bool found = false;
#define NI_EMU_ENTRY(M, NW, KB, G)                                                                                         \
    if (!found && cfg.m_blocks == M && cfg.n_warps == NW && cfg.k_blocks == KB && cfg.group_blocks == G) {                   \
        found = true;                                                                                                      \
        std::make_unique<Kernel<M, NW, KB, G>>(p, gpu, row0, rows)->launch(sms); /* 130 KB of accumulators: heap */         \
    }
#define NI_EMU_ENTRIES(M, NW, KB) NI_MARLIN_GROUP_SETTINGS(NI_EMU_ENTRY, M, NW, KB)
    NI_MARLIN_TILE_SHAPES(NI_EMU_ENTRIES)
    NT_CHECK(found, "no compiled kernel for tile (%d, %d, %d, %d)", cfg.m_blocks, cfg.n_warps, cfg.k_blocks, cfg.group_blocks);
}

// The host side of marlin_int4_gemm: passes of ≤ 64 rows, tile chosen by select_tile (or forced).
Gpu emulate_gemm(const Problem& p, int sms, const TileConfig* force = nullptr) {
    Gpu gpu;
    gpu.locks.assign(p.n / 64, 0);
    gpu.partials.assign(4 * (size_t)partial_index(p.n / 64, 0, 0, 0), std::nanf(""));
    gpu.c.assign(p.m * p.n, 0x7E00);
    gpu.writes.assign(p.m * p.n, 0);
    for (int64_t row0 = 0; row0 < p.m; row0 += 64) {
        const int rows = (int)std::min<int64_t>(64, p.m - row0);
        TileConfig cfg = force ? *force : select_tile(rows, p.n, p.k, p.group);
        launch(cfg, p, gpu, row0, rows, sms);
    }
    return gpu;
}

int g_cases = 0;

void check_case(int64_t m, int64_t n, int64_t k, int64_t group, int sms, bool exact, uint64_t seed, const TileConfig* force = nullptr) {
    const Problem p = make_problem(m, n, k, group, exact, seed);
    const Gpu gpu = emulate_gemm(p, sms, force);
    const std::vector<double> ref = reference(p);
    size_t wrong = 0, not_once = 0;
    double num = 0, den = 0, max_err = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        not_once += gpu.writes[i] != 1;
        const double got = h2f(gpu.c[i]);
        if (exact) {
            // bit for bit, except that an exact zero may come out as -0 (0 times a negative scale)
            const uint16_t want = ni::f32_to_fp16((float)ref[i]);
            if (gpu.c[i] != want && !(((gpu.c[i] | want) & 0x7FFF) == 0) && wrong++ < 4)
                std::fprintf(stderr, "  C[%zu][%zu] = %g, reference %g\n", i / n, i % n, got, ref[i]);
        } else {
            num += std::fabs(got - ref[i]);
            den += std::fabs(ref[i]);
            max_err = std::max(max_err, std::fabs(got - ref[i]));
        }
    }
    for (int v : gpu.locks) not_once += v != 0;  // locks must be back to zero
    const TileConfig cfg = force ? *force : select_tile((int)std::min<int64_t>(64, m), n, k, group);
    char what[160];
    std::snprintf(what, sizeof what, "M=%-3lld N=%-4lld K=%-4lld group %-4lld on %3d SMs, tile (%d,%d,%d,%d)", (long long)m, (long long)n,
                  (long long)k, (long long)group, sms, cfg.m_blocks, cfg.n_warps, cfg.k_blocks, cfg.group_blocks);
    NT_CHECK(not_once == 0, "%s: %zu C elements not written exactly once or locks left set", what, not_once);
    if (exact) NT_CHECK(wrong == 0, "%s: %zu of %zu outputs differ from the exact reference", what, wrong, ref.size());
    else NT_CHECK(num / den < 1e-3, "%s: mean|Δ|/mean|ref| = %.2e (max |Δ| %.3g)", what, num / den, max_err);
    ++g_cases;
    if (!exact) std::printf("  %s: random data, mean|Δ|/mean|ref| = %.2e\n", what, num / den);
}

void check_dequant() {
    nt::rng r(99);
    int bad = 0;
    for (int it = 0; it < 20000; ++it) {
        const uint32_t q = (uint32_t)r.next();
        uint32_t out[4];
        dequant(q, out);
        // out[0] = nibbles (0, 4), out[1] = (1, 5), out[2] = (2, 6), out[3] = (3, 7), each q − 8 exactly
        const int order[4][2] = {{0, 4}, {1, 5}, {2, 6}, {3, 7}};
        for (int i = 0; i < 4; ++i) {
            const int lo = (int)((q >> (4 * order[i][0])) & 15) - 8, hi = (int)((q >> (4 * order[i][1])) & 15) - 8;
            if (h2f(lo16(out[i])) != (float)lo || h2f(hi16(out[i])) != (float)hi) ++bad;
        }
    }
    NT_CHECK(bad == 0, "lop3/magic-number dequant: %d of 80000 f16x2 wrong", bad);
    std::printf("  dequant: 20000 random words, every nibble → q − 8 exactly, in weight_position's order\n");
}

}  // namespace

int main() {
    std::printf("test_cuda_emulation: Marlin kernel index math on an emulated GPU\n");
    check_dequant();

    // Every compiled tile shape × every group setting, with stripes that split columns (few SMs),
    // whole-column stripes (many SMs) and awkward row counts.
    const int64_t groups[] = {32, 64, 128, 0 /* = K */};
    struct Shape { TileConfig tile; int64_t rows, n, k; };
    const Shape shapes[] = {
        {{1, 2, 8, 0}, 7, 256, 512},  {{1, 2, 8, 0}, 16, 128, 256},
        {{2, 4, 4, 0}, 17, 512, 256}, {{3, 4, 4, 0}, 40, 256, 384}, {{4, 4, 4, 0}, 64, 256, 256},
        {{1, 1, 8, 0}, 1, 192, 384},  {{2, 1, 8, 0}, 30, 128, 256}, {{3, 1, 8, 0}, 33, 64, 512}, {{4, 1, 8, 0}, 61, 192, 256},
    };
    int seed = 1;
    for (const Shape& sh : shapes)
        for (int64_t g : groups) {
            const int64_t group = g ? g : sh.k;
            TileConfig t = sh.tile;
            t.group_blocks = group == sh.k ? -1 : (int)(group / 16);
            for (int sms : {3, 7, 1000}) check_case(sh.rows, sh.n, sh.k, group, sms, true, seed++, &t);
        }
    std::printf("  all %d tile shapes × 4 group settings × {3, 7, 1000} SMs: exact, every C element written once, locks reset\n",
                (int)(sizeof shapes / sizeof shapes[0]));

    // The host path (select_tile, passes of 64 rows) on the test's M values and model-like N.
    const int before = g_cases;
    for (int64_t m : {1, 7, 16, 33, 64, 100})
        for (int64_t n : {576, 1408 / 2, 1024})  // 704 = 11 · 64: not a multiple of 128
            check_case(m, n, 256, m % 2 ? 32 : 128, 132, true, seed++);
    std::printf("  select_tile path: %d cases exact (M ∈ {1, 7, 16, 33, 64, 100}, N ∈ {576, 704, 1024})\n", g_cases - before);

    // Random data: the emulated f16 rounding of scaled weights stays inside the GPU test's bound.
    check_case(16, 256, 512, 128, 5, false, 1234);
    check_case(33, 512, 256, 32, 11, false, 1235);
    check_case(5, 64, 1024, 1024, 3, false, 1236);
    return nt::finish("test_cuda_emulation");
}
