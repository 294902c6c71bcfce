// marlin_layout.h — where every int4 weight, scale and activation of the Marlin-style GEMM lives.
//
// One description with three users: the host repack (marlin_repack.cpp) writes the packed buffers
// with weight_position / scale_position; the kernel (marlin_int4.cu) reads them with the Tile
// functions below; the CPU emulation test (native/tests/test_cuda_emulation.cpp) runs those same
// Tile functions on an emulated warp whose ldmatrix / mma / lop3 follow the PTX ISA, so a layout or
// permutation bug shows up on a machine without a GPU. Nothing here includes CUDA headers.
//
// Vocabulary (one thread block = 256 threads = 8 warps):
//   k16 block   16 consecutive k; one mma.m16n8k16 consumes one
//   unit        16 k × 64 n of B: what one warp multiplies per k16 step (8 mma n8 subtiles);
//               512 packed bytes, 16 per lane
//   tile        thread_k × thread_n of B: what one block fetches per pipeline stage
//   stripe      the consecutive tiles (column-major over the tile grid) one block works through
//   slice       the part of a stripe inside one tile column; blocks sharing a column add up their
//               partial sums in global memory (global_reduce), in k order, under a lock
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define NI_HD __host__ __device__ __forceinline__
#else
#define NI_HD inline
#endif

namespace ni::marlin {

constexpr int kThreads = 256;     // per block
constexpr int kWarps = kThreads / 32;
constexpr int kStages = 4;        // cp.async pipeline depth (tiles in flight per block)
constexpr int kMaxMBlocks = 4;    // 16-row blocks of A per launch: one launch covers ≤ 64 rows
constexpr int kUnitK = 16, kUnitN = 64;

// ------------------------------------------------------------------------- packed weights

// Where weight (k, n) of B [K][N] lives: int32 word of the packed buffer and nibble 0..7 in it.
//
// Unit (kb, nb) = k in [16kb, 16kb+16) × n in [64nb, 64nb+64) occupies words
// [(kb · N/64 + nb) · 128, +128): lane L's four words at 4L .. 4L+3 (one int4 per lane).
// Inside a unit, column c = n % 64 belongs to mma subtile sub = c / 8 at column c % 8, and the mma
// B fragment gives lane L = 4 · (c % 8) + t the rows 2t, 2t+1 (register b0/b1) and 2t+8, 2t+9
// (b2/b3) of that column (PTX ISA, "Matrix Fragments for mma.m16n8k16", multiplicand B:
// groupID = lane / 4 is the column, threadID_in_group = lane % 4 picks the rows).
// Word j of a lane holds subtiles 2j and 2j+1; its nibble i (bits 4i..4i+3) is
//   i = 2 · (sub % 2) + (r ≥ 8) + 4 · (r % 2)      with r = k % 16,
// the order in which dequant() below peels nibbles off: (0, 4), (1, 5), then (2, 6), (3, 7) become
// the f16x2 registers b0b1 and b2b3 of subtile 2j, then of subtile 2j+1.
struct NibblePos {
    int64_t word;
    int nibble;
};

NI_HD NibblePos weight_position(int64_t k, int64_t n, int64_t N) {
    const int64_t kb = k / kUnitK, nb = n / kUnitN;
    const int r = (int)(k % kUnitK), c = (int)(n % kUnitN);
    const int sub = c / 8, t = (r % 8) / 2;
    const int lane = 4 * (c % 8) + t;
    const int word = sub / 2;
    const int nibble = 2 * (sub % 2) + (r >= 8 ? 1 : 0) + 4 * (r % 2);
    return {(kb * (N / kUnitN) + nb) * 128 + lane * 4 + word, nibble};
}

// Index (in f16 elements) of the scale of group row g and column n in the packed scales
// [K/group][N]: each run of 64 columns is stored as [c % 8][c / 8], so the lane that owns column
// c % 8 of all 8 subtiles of a unit finds its 8 scales in one 16-byte load.
NI_HD int64_t scale_position(int64_t g, int64_t n, int64_t N) {
    const int c = (int)(n % kUnitN);
    return g * N + (n - c) + (c % 8) * 8 + c / 8;
}

// ------------------------------------------------------------------------ dequantization

// Constants of the lop3 / magic-number int4 → f16 conversion (dequant() in the kernel):
// OR-ing a nibble into the mantissa of 1024.0 (0x6400) gives 1024 + q exactly; a nibble at bits 4..7
// gives 1024 + 16q. Then (1024 + q) - 1032 = q - 8 and (1024 + 16q) · 1/16 - 72 = q - 8, both exact.
constexpr uint32_t kDequantLo = 0x000f000fu;   // nibbles 0 and 4 of the (shifted) word
constexpr uint32_t kDequantHi = 0x00f000f0u;   // nibbles 1 and 5
constexpr uint32_t kDequantExp = 0x64006400u;  // f16x2 {1024, 1024}
constexpr uint32_t kDequantSub = 0x64086408u;  // f16x2 {1032, 1032}
constexpr uint32_t kDequantMul = 0x2c002c00u;  // f16x2 {1/16, 1/16}
constexpr uint32_t kDequantAdd = 0xd480d480u;  // f16x2 {-72, -72}
constexpr int kLop3AndOr = (0xf0 & 0xcc) | 0xaa;  // lop3 truth table of (a & b) | c

// ------------------------------------------------------------------------ tile geometry

// One compiled tile shape. Every index the kernel computes comes from here.
//   M_BLOCKS      16-row blocks of A / C the block holds (1..4: up to 64 rows per launch)
//   N_WARPS       warps side by side along n; each owns 64 columns, so thread_n = 64 · N_WARPS
//   K_BLOCKS      k16 blocks per tile, so thread_k = 16 · K_BLOCKS
//   GROUP_BLOCKS  k16 blocks per scale group (2, 4, 8 for groups of 32, 64, 128), or -1 for one
//                 scale per column, applied to the f32 result instead of to every weight
// The 8 / N_WARPS warps stacked along k each take K_BLOCKS / k_warps consecutive k16 blocks of a
// tile; thread_block_reduce adds their partial sums.
template <int M_BLOCKS, int N_WARPS, int K_BLOCKS, int GROUP_BLOCKS>
struct Tile {
    static constexpr int m_blocks = M_BLOCKS, n_warps = N_WARPS, k_blocks = K_BLOCKS, group_blocks = GROUP_BLOCKS;
    static constexpr int k_warps = kWarps / N_WARPS;
    static constexpr int k_steps = K_BLOCKS / k_warps;  // k16 blocks per warp per tile
    static constexpr int thread_n = kUnitN * N_WARPS, thread_k = kUnitK * K_BLOCKS;

    // Shared memory per pipeline stage, in 16-byte units: A tile, B tile, scale rows.
    static constexpr int a_row_i4 = K_BLOCKS * 2;            // 8 halves per unit
    static constexpr int a_i4 = 16 * M_BLOCKS * a_row_i4;
    static constexpr int b_row_i4 = N_WARPS * 32;            // one k16 row of units
    static constexpr int b_i4 = K_BLOCKS * b_row_i4;
    static constexpr int s_rows = GROUP_BLOCKS < 0 ? 0 : (GROUP_BLOCKS >= K_BLOCKS ? 1 : K_BLOCKS / GROUP_BLOCKS);
    static constexpr int s_row_i4 = N_WARPS * 8;             // thread_n halves
    static constexpr int s_i4 = s_rows * s_row_i4;
    static constexpr int stage_i4 = a_i4 + b_i4 + s_i4;
    // thread_block_reduce reuses the pipeline memory: k_warps / 2 slots of every warp's f32 results.
    static constexpr int red_slots = k_warps / 2;
    static constexpr int red_i4 = red_slots * N_WARPS * M_BLOCKS * 8 * 32;
    static constexpr int smem_i4 = kStages * stage_i4 > red_i4 ? kStages * stage_i4 : red_i4;
    static constexpr int smem_bytes = smem_i4 * 16;

    static_assert(M_BLOCKS >= 1 && M_BLOCKS <= kMaxMBlocks, "1..4 blocks of 16 rows");
    static_assert(kWarps % N_WARPS == 0 && K_BLOCKS % k_warps == 0, "warps must tile the block's k × n");
    static_assert((k_warps & (k_warps - 1)) == 0, "the reduction tree halves k_warps");
    static_assert(a_row_i4 >= 8, "the A swizzle XORs 3 bits of the 16-byte column");
    static_assert(GROUP_BLOCKS == -1 || GROUP_BLOCKS == 2 || GROUP_BLOCKS == 4 || GROUP_BLOCKS == 8, "groups of 32, 64, 128 or per column");
    static_assert(GROUP_BLOCKS < 0 || K_BLOCKS % GROUP_BLOCKS == 0 || GROUP_BLOCKS % K_BLOCKS == 0, "a group never straddles tiles partially");

    NI_HD static int warp_n(int warp) { return warp % N_WARPS; }
    NI_HD static int warp_k(int warp) { return warp / N_WARPS; }
    // k16 block (within the tile) of a warp's step ks.
    NI_HD static int kb_local(int warp_k, int ks) { return warp_k * k_steps + ks; }

    // -- A: row-major [16 · M_BLOCKS][thread_k] f16 in shared memory, the 16-byte columns of row r
    // XOR-swizzled by r % 8, so the eight rows one ldmatrix phase reads hit eight different bank
    // groups (unswizzled, rows 256 bytes apart would all land in the same four banks).
    NI_HD static int a_smem(int row, int chunk) { return row * a_row_i4 + (chunk ^ (row & 7)); }
    // The idx-th 16-byte copy of an A tile: row and 16-byte column.
    NI_HD static int a_fetch_row(int idx) { return idx / a_row_i4; }
    NI_HD static int a_fetch_chunk(int idx) { return idx % a_row_i4; }
    // Its source, in 16-byte units from A's first row (rows a_stride_i4 apart).
    NI_HD static int64_t a_global(int row, int chunk, int k_tile, int64_t a_stride_i4) {
        return row * a_stride_i4 + (int64_t)k_tile * a_row_i4 + chunk;
    }
    // Shared-memory address lane `lane` hands to ldmatrix.x4 for the 16 × 16 A block (mb, kb):
    // lanes 0-15 point at rows 0-15, k 0-7; lanes 16-31 at rows 0-15, k 8-15. Matrices 0..3 then
    // arrive as a0a1, a2a3, a4a5, a6a7 of the mma A fragment.
    NI_HD static int a_ldsm(int lane, int mb, int kb) { return a_smem(mb * 16 + lane % 16, 2 * kb + lane / 16); }

    // -- B: the tile's units copied as-is, [K_BLOCKS][N_WARPS][32 lanes] of 16 bytes.
    // Source of the idx-th copy, in 16-byte units from B's start (n_units = N / 64).
    NI_HD static int64_t b_global(int idx, int k_tile, int n_tile, int64_t n_units) {
        const int kb = idx / b_row_i4, r = idx % b_row_i4;
        return ((int64_t)k_tile * K_BLOCKS + kb) * n_units * 32 + (int64_t)n_tile * b_row_i4 + r;
    }
    NI_HD static int b_smem(int kb, int warp_n, int lane) { return kb * b_row_i4 + warp_n * 32 + lane; }

    // -- scales: the s_rows group rows the tile needs, thread_n halves each (16-byte units).
    NI_HD static int first_group(int k_tile) { return k_tile * K_BLOCKS / GROUP_BLOCKS; }
    NI_HD static int64_t s_global(int idx, int k_tile, int n_tile, int64_t n_i4 /* N / 8 */) {
        const int row = idx / s_row_i4, r = idx % s_row_i4;
        return (int64_t)(first_group(k_tile) + row) * n_i4 + (int64_t)n_tile * s_row_i4 + r;
    }
    // The 8 scales (subtiles 0..7, column lane / 4) for k16 block kb of the tile.
    NI_HD static int s_smem(int kb, int warp_n, int lane) {
        const int row = s_rows == 1 ? 0 : kb / GROUP_BLOCKS;
        return row * s_row_i4 + warp_n * 8 + lane / 4;
    }

    // -- thread_block_reduce: f32x4 slot of (slot, warp_n, mb, subtile, lane), lane fastest.
    NI_HD static int red_index(int slot, int warp_n, int mb, int sub, int lane) {
        return (((slot * N_WARPS + warp_n) * M_BLOCKS + mb) * 8 + sub) * 32 + lane;
    }
};

// -- global_reduce: f32x4 partial sums per 64-column unit column, [N/64][kMaxMBlocks][8][32 lanes].
NI_HD int64_t partial_index(int64_t n_unit, int mb, int sub, int lane) {
    return ((n_unit * kMaxMBlocks + mb) * 8 + sub) * 32 + lane;
}

// Workspace: N/64 int32 locks (one per tile column is enough; N/64 bounds every tile shape),
// padded to 256 bytes, then the partial sums.
inline int64_t workspace_lock_bytes(int64_t N) { return ((N / kUnitN) * 4 + 255) / 256 * 256; }
inline int64_t workspace_bytes(int64_t N) { return workspace_lock_bytes(N) + (N / kUnitN) * kMaxMBlocks * 8 * 32 * 16; }

// ---------------------------------------------------------------------- striped partition
//
// The k_tiles × n_tiles tiles are numbered column by column (t = col · k_tiles + row) and cut into
// `blocks` stripes of `iters` consecutive tiles, one per block, one block per SM. A stripe that
// crosses a column boundary yields several slices; the blocks that share a column add their f32
// partial sums in global memory in k order, serialized by that column's lock. Example: 4 × 3 tiles
// on 5 SMs, iters = ceil(12 / 5) = 3, 4 blocks:
//
//              col 0   col 1   col 2
//   k-tile 0 [ SM 0 ] [ SM 1 ] [ SM 2 ]     SM 0: col 0 rows 0-2                  (1 slice)
//   k-tile 1 [ SM 0 ] [ SM 1 ] [ SM 3 ]     SM 1: col 0 row 3, col 1 rows 0-1     (2 slices)
//   k-tile 2 [ SM 0 ] [ SM 2 ] [ SM 3 ]     SM 2: col 1 rows 2-3, col 2 row 0     (2 slices)
//   k-tile 3 [ SM 1 ] [ SM 2 ] [ SM 3 ]     SM 3: col 2 rows 1-3                  (1 slice)
//
// Column 0 is reduced by SM 0 then SM 1 (which writes C), column 1 by SM 1 then SM 2, column 2 by
// SM 2 then SM 3. Every block does the same amount of weight traffic whatever the shape, and a
// waiting block only ever waits for a lower-numbered one, which started first.
struct Plan {
    int k_tiles, n_tiles, iters, blocks;
};

inline Plan make_plan(int k_tiles, int n_tiles, int sms) {
    const int total = k_tiles * n_tiles;
    const int iters = (total + sms - 1) / sms;
    return {k_tiles, n_tiles, iters, (total + iters - 1) / iters};
}

struct Slice {
    int col;    // tile column
    int row0;   // first k tile
    int len;    // tiles
    int index;  // position among the blocks that share the column (0 = lowest k)
    int count;  // blocks that share the column
};

// The slice of block `block` that starts at tile t (t inside the block's stripe [t, end)).
NI_HD Slice slice_at(int t, int end, int block, int k_tiles, int iters) {
    Slice s;
    s.col = t / k_tiles;
    s.row0 = t % k_tiles;
    s.len = end - t < k_tiles - s.row0 ? end - t : k_tiles - s.row0;
    const int first = s.col * k_tiles / iters, last = ((s.col + 1) * k_tiles - 1) / iters;
    s.index = block - first;
    s.count = last - first + 1;
    return s;
}

// ------------------------------------------------------------------------ tile selection

// The compiled tile shapes, (M_BLOCKS, N_WARPS, K_BLOCKS); each is compiled for all four group
// settings (-1, 2, 4, 8), 32 kernels in all. Other shapes were not needed by the selection below.
//   small  16 × 128 k × 128 n   M ≤ 16, N % 128 == 0: decode; 8 KB of weights per stage
//   wide   ≤64 × 64 k × 256 n   M > 16, N % 256 == 0: each A tile feeds 4 warps of columns
//   narrow ≤64 × 128 k × 64 n   everything else with N % 64 == 0 (N = 576, 1408 at M > 16)
#define NI_MARLIN_TILE_SHAPES(X) \
    X(1, 2, 8)                   \
    X(2, 4, 4) X(3, 4, 4) X(4, 4, 4) \
    X(1, 1, 8) X(2, 1, 8) X(3, 1, 8) X(4, 1, 8)

// Expands X(M_BLOCKS, N_WARPS, K_BLOCKS, GROUP_BLOCKS) for every group setting of one tile shape.
#define NI_MARLIN_GROUP_SETTINGS(X, M, NW, KB) X(M, NW, KB, -1) X(M, NW, KB, 2) X(M, NW, KB, 4) X(M, NW, KB, 8)

struct TileConfig {
    int m_blocks, n_warps, k_blocks, group_blocks;
};

// Shape of one launch of up to 64 rows. Shape rules (K % 128, N % 64, group) are checked before.
inline TileConfig select_tile(int rows, int64_t n, int64_t k, int64_t group) {
    const int m_blocks = (rows + 15) / 16;
    const int group_blocks = group == k ? -1 : (int)(group / 16);
    if (m_blocks == 1 && n % 128 == 0) return {1, 2, 8, group_blocks};
    if (m_blocks >= 2 && n % 256 == 0) return {m_blocks, 4, 4, group_blocks};
    return {m_blocks, 1, 8, group_blocks};
}

}  // namespace ni::marlin
