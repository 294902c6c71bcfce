// marlin_int4.cu — C[M][N] = A[M][K] · B[K][N] with f16 A and C, symmetric int4 B, f32 accumulation,
// on tensor cores (sm_80+), in the manner of IST-DASLab's Marlin: weights stream through a 4-stage
// cp.async pipeline exactly once, are dequantized in registers with the lop3 / magic-number trick and
// multiplied with mma.m16n8k16; each SM works through one "stripe" of weight tiles, and blocks that
// share a column of tiles add their partial sums in global memory (see marlin_layout.h for the
// layout, the tile geometry and an ASCII sketch of the stripes).
//
// Why this shape: at decode batch sizes (M ≤ 16) the GEMM is a pass over the weights, so all that
// matters is keeping enough bytes in flight on every SM (4 stages × 4-8 KB of int4 per block) and
// touching each weight byte once. Striping gives every SM the same number of tiles whatever K and N
// are, where a plain output-tile grid leaves SMs idle on skinny shapes (N = 576 has 9 tiles of 64
// columns for 132 SMs).
//
// What this file does not do (yet): double-buffer the register fragments across k16 steps, stage
// the output through shared memory for wider stores, or fuse several experts into one launch.
// Compiled for sm_80/86/89/90. The index math is checked on the CPU by native/tests/test_cuda_emulation.cpp,
// so it is tested where no GPU is; docs/cuda.md (Verification) says what has run on which device.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstring>

#include "marlin_int4.h"
#include "marlin_layout.h"

namespace ni::marlin {
namespace {

// ===================================================================================== PTX wrappers

__device__ __forceinline__ uint32_t smem_addr(const void* p) { return static_cast<uint32_t>(__cvta_generic_to_shared(p)); }

// 16-byte async copy global → shared that bypasses L1 (.cg). With pred false nothing is read and the
// 16 bytes are zero-filled (src-size 0), so rows of A past M become zeros. PTX ISA: cp.async.
__device__ __forceinline__ void cp_async4_pred(void* smem, const void* glob, bool pred) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr(smem)), "l"(glob), "r"(pred ? 16 : 0));
}

// The same with an L2 evict-first policy: every weight byte is read exactly once per GEMM, so it
// should not push the activations and partial sums out of L2.
__device__ __forceinline__ void cp_async4_stream(void* smem, const void* glob) {
    asm volatile(
        "{\n"
        "  .reg .b64 policy;\n"
        "  createpolicy.fractional.L2::evict_first.b64 policy, 1.0;\n"
        "  cp.async.cg.shared.global.L2::cache_hint [%0], [%1], 16, policy;\n"
        "}\n" ::"r"(smem_addr(smem)),
        "l"(glob));
}

// Closes the group of cp.async issued since the previous fence (one group per pipeline stage).
__device__ __forceinline__ void cp_async_fence() { asm volatile("cp.async.commit_group;\n" ::); }

// Waits until at most n groups are still in flight.
template <int n>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(n) : "memory");
}

// ldmatrix.x4: four 8×8 f16 matrices from shared memory; lanes 8i..8i+7 give the row addresses of
// matrix i and every lane receives, in register i, row lane / 4, columns 2 · (lane % 4) + {0, 1} of
// matrix i — the layout of an mma A fragment (PTX ISA: ldmatrix; Tile::a_ldsm picks the rows).
__device__ __forceinline__ void ldsm4(uint32_t (&frag)[4], const void* smem) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(frag[0]), "=r"(frag[1]), "=r"(frag[2]), "=r"(frag[3])
                 : "r"(smem_addr(smem)));
}

// c += a · b for one 16×8×16 block: a four f16x2 (A fragment), b0 b1 two f16x2 (B fragment),
// c four f32 (PTX ISA: "Matrix Fragments for mma.m16n8k16 with floating point type").
__device__ __forceinline__ void mma(const uint32_t (&a)[4], uint32_t b0, uint32_t b1, float (&c)[4]) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Any three-input bitwise function in one instruction; lut is the truth table over (a, b, c) =
// (0xf0, 0xcc, 0xaa). Here always (a & b) | c.
template <int lut>
__device__ __forceinline__ uint32_t lop3(uint32_t a, uint32_t b, uint32_t c) {
    uint32_t r;
    asm("lop3.b32 %0, %1, %2, %3, %4;\n" : "=r"(r) : "r"(a), "r"(b), "r"(c), "n"(lut));
    return r;
}

__device__ __forceinline__ uint32_t as_u32(half2 h) {
    uint32_t u;
    memcpy(&u, &h, 4);
    return u;
}
__device__ __forceinline__ half2 as_h2(uint32_t u) {
    half2 h;
    memcpy(&h, &u, 4);
    return h;
}

// Eight nibbles → four f16x2 holding q - 8, exactly: out[0] and out[1] are the B fragment (rows
// 2t, 2t+1 and 2t+8, 2t+9) of subtile 2j, out[2] and out[3] that of subtile 2j+1 (the nibble order
// is weight_position's). Two lop3 put nibbles 0/4 and 1/5 into the mantissas of 1024.0; one
// subtraction and one fma take away the offset (constants in marlin_layout.h).
__device__ __forceinline__ void dequant(uint32_t q, uint32_t (&out)[4]) {
    const uint32_t lo0 = lop3<kLop3AndOr>(q, kDequantLo, kDequantExp);
    const uint32_t hi0 = lop3<kLop3AndOr>(q, kDequantHi, kDequantExp);
    q >>= 8;
    const uint32_t lo1 = lop3<kLop3AndOr>(q, kDequantLo, kDequantExp);
    const uint32_t hi1 = lop3<kLop3AndOr>(q, kDequantHi, kDequantExp);
    out[0] = as_u32(__hsub2(as_h2(lo0), as_h2(kDequantSub)));
    out[1] = as_u32(__hfma2(as_h2(hi0), as_h2(kDequantMul), as_h2(kDequantAdd)));
    out[2] = as_u32(__hsub2(as_h2(lo1), as_h2(kDequantSub)));
    out[3] = as_u32(__hfma2(as_h2(hi1), as_h2(kDequantMul), as_h2(kDequantAdd)));
}

// Acquire load / release store at GPU scope: the lock hand-over between blocks of one column.
__device__ __forceinline__ int ld_acquire(const int* p) {
    int v;
    asm volatile("ld.global.acquire.gpu.b32 %0, [%1];\n" : "=r"(v) : "l"(p) : "memory");
    return v;
}
__device__ __forceinline__ void st_release(int* p, int v) {
    asm volatile("st.global.release.gpu.b32 [%0], %1;\n" ::"l"(p), "r"(v) : "memory");
}

// ========================================================================================== kernel

struct KernelArgs {
    const int4* a;          // A [prob_m][K] f16, rows a_stride_i4 16-byte units apart
    int64_t a_stride_i4;
    const int4* b;          // packed weights
    const int4* s;          // packed scales [K / group][N] f16
    half* c;                // C [prob_m][N] f16, rows c_stride halves apart
    int64_t c_stride;
    int* locks;             // [N / 64], zero on entry and on exit
    float4* partials;       // [N / 64][kMaxMBlocks][8][32] f32x4
    int prob_m;             // rows of this pass, 1 .. 16 · M_BLOCKS
    int prob_n, prob_k;
    int iters;              // tiles per stripe
};

template <int M_BLOCKS, int N_WARPS, int K_BLOCKS, int GROUP_BLOCKS>
__global__ void __launch_bounds__(kThreads, 1) marlin_int4_kernel(const KernelArgs args) {
    using T = Tile<M_BLOCKS, N_WARPS, K_BLOCKS, GROUP_BLOCKS>;
    constexpr bool kGrouped = GROUP_BLOCKS > 0;
    static_assert(T::s_i4 <= kThreads, "one scale copy per thread");
    extern __shared__ int4 sh[];

    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
    const int warp_n = T::warp_n(warp), warp_k = T::warp_k(warp);
    const int k_tiles = args.prob_k / T::thread_k, n_tiles = args.prob_n / T::thread_n;
    const int64_t n_units = args.prob_n / kUnitN;
    const int t_begin = blockIdx.x * args.iters;
    const int t_end = min(t_begin + args.iters, k_tiles * n_tiles);

    float acc[M_BLOCKS][8][4];  // [row block][n8 subtile][mma C fragment]

    // fetch_to_shared: queue the copies of k tile `k_tile` of tile column `n_tile` into `stage`.
    auto fetch_to_shared = [&](int stage, int k_tile, int n_tile) {
        int4* sa = sh + stage * T::stage_i4;
        int4* sb = sa + T::a_i4;
        int4* ss = sb + T::b_i4;
#pragma unroll
        for (int i = 0; i < (T::a_i4 + kThreads - 1) / kThreads; ++i) {
            const int idx = i * kThreads + tid;
            if (T::a_i4 % kThreads == 0 || idx < T::a_i4) {
                const int row = T::a_fetch_row(idx), chunk = T::a_fetch_chunk(idx);
                const bool live = row < args.prob_m;
                cp_async4_pred(sa + T::a_smem(row, chunk), args.a + T::a_global(live ? row : 0, chunk, k_tile, args.a_stride_i4), live);
            }
        }
#pragma unroll
        for (int i = 0; i < (T::b_i4 + kThreads - 1) / kThreads; ++i) {
            const int idx = i * kThreads + tid;
            if (T::b_i4 % kThreads == 0 || idx < T::b_i4) cp_async4_stream(sb + idx, args.b + T::b_global(idx, k_tile, n_tile, n_units));
        }
        if constexpr (kGrouped) {
            if (tid < T::s_i4) cp_async4_pred(ss + tid, args.s + T::s_global(tid, k_tile, n_tile, args.prob_n / 8), true);
        }
    };

    // fetch_to_registers: for k16 block kb of the tile in `stage`, the A fragments of every row block,
    // this lane's 16 bytes of its warp's B unit and the 8 scales of its columns.
    struct Frags {
        uint32_t a[M_BLOCKS][4];
        int4 b;
        int4 s;
    };
    auto fetch_to_registers = [&](Frags& f, int stage, int kb) {
        const int4* sa = sh + stage * T::stage_i4;
        const int4* sb = sa + T::a_i4;
        const int4* ss = sb + T::b_i4;
#pragma unroll
        for (int mb = 0; mb < M_BLOCKS; ++mb) ldsm4(f.a[mb], sa + T::a_ldsm(lane, mb, kb));
        f.b = sb[T::b_smem(kb, warp_n, lane)];
        if constexpr (kGrouped) f.s = ss[T::s_smem(kb, warp_n, lane)];
    };

    // matmul: dequantize 8 subtiles × 4 rows of weights, apply the group scales (f16, as the
    // weights are f16 for the mma anyway), and run 8 · M_BLOCKS mma.
    auto matmul = [&](const Frags& f) {
        const uint32_t words[4] = {(uint32_t)f.b.x, (uint32_t)f.b.y, (uint32_t)f.b.z, (uint32_t)f.b.w};
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            uint32_t w[4];
            dequant(words[j], w);
            if constexpr (kGrouped) {
                const uint32_t pair = j == 0 ? f.s.x : j == 1 ? f.s.y : j == 2 ? f.s.z : f.s.w;  // scales of subtiles 2j, 2j+1
                const half2 s0 = __low2half2(as_h2(pair));   // subtile 2j
                const half2 s1 = __high2half2(as_h2(pair));  // subtile 2j + 1
                w[0] = as_u32(__hmul2(as_h2(w[0]), s0));
                w[1] = as_u32(__hmul2(as_h2(w[1]), s0));
                w[2] = as_u32(__hmul2(as_h2(w[2]), s1));
                w[3] = as_u32(__hmul2(as_h2(w[3]), s1));
            }
#pragma unroll
            for (int mb = 0; mb < M_BLOCKS; ++mb) {
                mma(f.a[mb], w[0], w[1], acc[mb][2 * j]);
                mma(f.a[mb], w[2], w[3], acc[mb][2 * j + 1]);
            }
        }
    };

    // thread_block_reduce: the k_warps warps of one column of warps hold partial sums over different
    // k; halve them in a tree through shared memory until warp_k 0 holds the block's sum.
    auto thread_block_reduce = [&]() {
        if constexpr (T::k_warps > 1) {
            float4* red = reinterpret_cast<float4*>(sh);
#pragma unroll
            for (int step = T::k_warps / 2; step >= 1; step /= 2) {
                if (warp_k >= step && warp_k < 2 * step) {
#pragma unroll
                    for (int mb = 0; mb < M_BLOCKS; ++mb)
#pragma unroll
                        for (int sub = 0; sub < 8; ++sub)
                            red[T::red_index(warp_k - step, warp_n, mb, sub, lane)] =
                                make_float4(acc[mb][sub][0], acc[mb][sub][1], acc[mb][sub][2], acc[mb][sub][3]);
                }
                __syncthreads();
                if (warp_k < step) {
#pragma unroll
                    for (int mb = 0; mb < M_BLOCKS; ++mb)
#pragma unroll
                        for (int sub = 0; sub < 8; ++sub) {
                            const float4 v = red[T::red_index(warp_k, warp_n, mb, sub, lane)];
                            acc[mb][sub][0] += v.x;
                            acc[mb][sub][1] += v.y;
                            acc[mb][sub][2] += v.z;
                            acc[mb][sub][3] += v.w;
                        }
                }
                __syncthreads();
            }
        }
    };

    // global_reduce: blocks sharing tile column s.col take turns in k order (the lock holds the
    // index of the block whose turn it is): add the partial sums left by the previous block, then
    // leave the running sum for the next one; the last block keeps it for write_result and puts the
    // lock back to zero for the next GEMM. f32 throughout, through L2 (ld/st .cg) since the blocks
    // run on different SMs.
    auto global_reduce = [&](const Slice& s) {
        if (s.count == 1) return;
        int* lock = args.locks + s.col;
        if (tid == 0)
            while (ld_acquire(lock) != s.index) {
            }
        __syncthreads();
        if (warp_k == 0) {
            const int64_t unit = (int64_t)s.col * N_WARPS + warp_n;
#pragma unroll
            for (int mb = 0; mb < M_BLOCKS; ++mb)
#pragma unroll
                for (int sub = 0; sub < 8; ++sub) {
                    float4* p = args.partials + partial_index(unit, mb, sub, lane);
                    if (s.index > 0) {
                        const float4 v = __ldcg(p);
                        acc[mb][sub][0] += v.x;
                        acc[mb][sub][1] += v.y;
                        acc[mb][sub][2] += v.z;
                        acc[mb][sub][3] += v.w;
                    }
                    if (s.index < s.count - 1) __stcg(p, make_float4(acc[mb][sub][0], acc[mb][sub][1], acc[mb][sub][2], acc[mb][sub][3]));
                }
        }
        __syncthreads();
        if (tid == 0) {
            __threadfence();
            st_release(lock, s.index == s.count - 1 ? 0 : s.index + 1);
        }
    };

    // write_result: warp_k 0 holds rows g, g+8 and columns 2t, 2t+1 of every subtile (mma C
    // fragment); per-column scales are applied here in f32, then one f16 rounding. Rows past
    // prob_m (zeros from the predicated A loads) are not written.
    auto write_result = [&](const Slice& s) {
        if (warp_k != 0) return;
        const int g = lane / 4, t = lane % 4;
        const half* s_half = reinterpret_cast<const half*>(args.s);
#pragma unroll
        for (int sub = 0; sub < 8; ++sub) {
            const int col = s.col * T::thread_n + warp_n * kUnitN + sub * 8 + 2 * t;
            float s0 = 1.0f, s1 = 1.0f;
            if constexpr (!kGrouped) {
                s0 = __half2float(s_half[scale_position(0, col, args.prob_n)]);
                s1 = __half2float(s_half[scale_position(0, col + 1, args.prob_n)]);
            }
#pragma unroll
            for (int mb = 0; mb < M_BLOCKS; ++mb)
#pragma unroll
                for (int h = 0; h < 2; ++h) {
                    const int row = mb * 16 + g + 8 * h;
                    if (row < args.prob_m)
                        *reinterpret_cast<half2*>(args.c + row * args.c_stride + col) =
                            __floats2half2_rn(acc[mb][sub][2 * h] * s0, acc[mb][sub][2 * h + 1] * s1);
                }
        }
    };

    // Main loop: slice by slice through this block's stripe; within a slice a kStages-deep pipeline
    // keeps kStages - 1 tiles in flight while the warps multiply the oldest. The pipeline restarts
    // at each slice because the reduction reuses its shared memory.
    for (int t = t_begin; t < t_end;) {
        const Slice s = slice_at(t, t_end, blockIdx.x, k_tiles, args.iters);
        t += s.len;
#pragma unroll
        for (int mb = 0; mb < M_BLOCKS; ++mb)
#pragma unroll
            for (int sub = 0; sub < 8; ++sub)
#pragma unroll
                for (int e = 0; e < 4; ++e) acc[mb][sub][e] = 0.0f;

#pragma unroll
        for (int i = 0; i < kStages - 1; ++i) {
            if (i < s.len) fetch_to_shared(i, s.row0 + i, s.col);
            cp_async_fence();
        }
        for (int it = 0; it < s.len; ++it) {
            cp_async_wait<kStages - 2>();  // tile `it` has landed
            __syncthreads();               // ... for every thread, and stage (it - 1) is free again
            const int next = it + kStages - 1;
            if (next < s.len) fetch_to_shared(next % kStages, s.row0 + next, s.col);
            cp_async_fence();
            const int stage = it % kStages;
#pragma unroll
            for (int ks = 0; ks < T::k_steps; ++ks) {
                Frags f;
                fetch_to_registers(f, stage, T::kb_local(warp_k, ks));
                matmul(f);
            }
        }
        cp_async_wait<0>();
        __syncthreads();
        thread_block_reduce();
        global_reduce(s);
        if (s.index == s.count - 1) write_result(s);
        __syncthreads();  // the next slice's first copies land where the reduction just read
    }
}

// ==================================================================== compiled kernels (the list)

using KernelFn = void (*)(KernelArgs);

struct KernelEntry {
    TileConfig config;
    KernelFn fn;
    int smem_bytes, thread_n, thread_k;
};

// 99 KB is what sm_86 and sm_89 let one block opt in to (sm_80: 163 KB, sm_90: 227 KB).
constexpr int kSmemLimitAllArchs = 101376;

#define NI_MARLIN_FITS(M, NW, KB, G) \
    static_assert(Tile<M, NW, KB, G>::smem_bytes <= kSmemLimitAllArchs, "tile does not fit sm_86 / sm_89 shared memory");
#define NI_MARLIN_FITS_ALL(M, NW, KB) NI_MARLIN_GROUP_SETTINGS(NI_MARLIN_FITS, M, NW, KB)
NI_MARLIN_TILE_SHAPES(NI_MARLIN_FITS_ALL)

#define NI_MARLIN_ENTRY(M, NW, KB, G) \
    {{M, NW, KB, G}, &marlin_int4_kernel<M, NW, KB, G>, Tile<M, NW, KB, G>::smem_bytes, Tile<M, NW, KB, G>::thread_n, Tile<M, NW, KB, G>::thread_k},
#define NI_MARLIN_ENTRIES(M, NW, KB) NI_MARLIN_GROUP_SETTINGS(NI_MARLIN_ENTRY, M, NW, KB)

// Every kernel in the library: the tile shapes of NI_MARLIN_TILE_SHAPES × group settings.
const KernelEntry kKernels[] = {NI_MARLIN_TILE_SHAPES(NI_MARLIN_ENTRIES)};

const KernelEntry* find_kernel(const TileConfig& c) {
    for (const KernelEntry& e : kKernels)
        if (e.config.m_blocks == c.m_blocks && e.config.n_warps == c.n_warps && e.config.k_blocks == c.k_blocks &&
            e.config.group_blocks == c.group_blocks)
            return &e;
    return nullptr;
}

}  // namespace

const char* launch_status_message(int status) {
    switch (status) {
        case kLaunchOk: return "ok";
        case kLaunchNoTile: return "no compiled tile shape serves this problem";
        case kLaunchSharedMemory: return "the tile needs more shared memory per block than this device allows";
        case kLaunchCudaError: return "the CUDA runtime refused the launch";
        default: return "unknown launch status";
    }
}

int marlin_int4_gemm(const GemmArgs& g, cudaError_t* cuda_error) {
    *cuda_error = cudaSuccess;
    int* locks = static_cast<int*>(g.workspace);
    float4* partials = reinterpret_cast<float4*>(static_cast<char*>(g.workspace) + workspace_lock_bytes(g.n));
    for (int64_t row0 = 0; row0 < g.m; row0 += 16 * kMaxMBlocks) {
        const int rows = (int)(g.m - row0 < 16 * kMaxMBlocks ? g.m - row0 : 16 * kMaxMBlocks);
        const KernelEntry* e = find_kernel(select_tile(rows, g.n, g.k, g.group_size));
        if (e == nullptr) return kLaunchNoTile;
        if (e->smem_bytes > g.max_shared_optin) return kLaunchSharedMemory;
        const Plan plan = make_plan((int)(g.k / e->thread_k), (int)(g.n / e->thread_n), g.sm_count);

        KernelArgs args;
        args.a = reinterpret_cast<const int4*>(static_cast<const char*>(g.a) + row0 * (int64_t)g.a_row_stride);
        args.a_stride_i4 = (int64_t)(g.a_row_stride / 16);
        args.b = static_cast<const int4*>(g.b);
        args.s = static_cast<const int4*>(g.scales);
        args.c = reinterpret_cast<half*>(static_cast<char*>(g.c) + row0 * (int64_t)g.c_row_stride);
        args.c_stride = (int64_t)(g.c_row_stride / 2);
        args.locks = locks;
        args.partials = partials;
        args.prob_m = rows;
        args.prob_n = (int)g.n;
        args.prob_k = (int)g.k;
        args.iters = plan.iters;

        cudaError_t st = cudaFuncSetAttribute(reinterpret_cast<const void*>(e->fn), cudaFuncAttributeMaxDynamicSharedMemorySize, e->smem_bytes);
        if (st == cudaSuccess) {
            void* params[] = {&args};
            st = cudaLaunchKernel(reinterpret_cast<const void*>(e->fn), dim3(plan.blocks), dim3(kThreads), params, (size_t)e->smem_bytes, g.stream);
        }
        if (st != cudaSuccess) {
            *cuda_error = st;
            return kLaunchCudaError;
        }
    }
    return kLaunchOk;
}

}  // namespace ni::marlin
