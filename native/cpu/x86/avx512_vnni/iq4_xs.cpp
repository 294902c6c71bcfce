// IQ4_XS GEMV for AVX-512 with VNNI. The shared k-quant kernel (../vector_kernels/k_quants.inl) reads
// IQ4_XS's signed grid values by the sign trick (abs, sign, maddubs, madd by the scale: about 7
// operations per 32 weights); here one 64-byte register holds the nibbles of four 32-value groups,
// a byte shuffle maps them to grid value + 128 (unsigned, for vpdpbusd), and per 128 weights:
//   lo/hi = table[v & 0x0F], table[(v >> 4) & 0x0F]      elements 0-15 / 16-31 of each group
//   d = dpbusd(corr, lo, x_lo)                             exact Σ value·x per 4-element lane
//   acc_lo += d · (ls − 32) of the lane's group           (the same for hi)
// The activations are prepared once per token (not per weight row): the Q8_K blocks the shared GEMM
// reads, then per super-block the planes x_lo / x_hi in the order of the nibbles and corr = −128·Σx
// per lane, which turns the unsigned grid values back into signed ones.
// Every product stays exact in int32, and the lanes are folded into the eight lanes the shared kernel
// folds its sums into (lanes 0-3: elements 4l..4l+3 of every group, lanes 4-7: 16 + 4(l−4)..), before
// the same 256-bit float work. So the result is bit-identical to the shared kernel's GEMM (and to the
// AVX2 GEMV it replaces), which test_batch_invariance and test_block_shapes check.
#include <immintrin.h>

#include <cstring>

#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "x86/avx2/activations.h"

namespace ni {
namespace {

constexpr int kPrefetchBytes = 1024;

static inline float hsum_256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

// Per super-block after the Q8_K blocks: for each half h (groups 4h..4h+3) the planes and corrections.
struct prepared_half {
    int8_t lo[64], hi[64];        // elements 0-15 / 16-31 of the half's four groups, as the nibbles lie
    int32_t corr_lo[16], corr_hi[16];  // −128 · Σ of each lane's four activations
};
static_assert(sizeof(prepared_half) == 256, "two halves make a 512-byte tail per super-block");

static inline size_t q8_K_part(int64_t k) { return ((size_t)(k / QK_K) * sizeof(block_q8_K) + 63) & ~(size_t)63; }

size_t act_bytes(int64_t k) { return q8_K_part(k) + (size_t)(k / QK_K) * 2 * sizeof(prepared_half); }

void prepare_act(const float* x, void* y, int64_t n) {
    avx2_quantize_row_q8_K(x, y, n);
    const block_q8_K* xb = static_cast<const block_q8_K*>(y);
    prepared_half* tail = reinterpret_cast<prepared_half*>(static_cast<char*>(y) + q8_K_part(n));
    const __m512i ones = _mm512_set1_epi8(1), zero = _mm512_setzero_si512();
    for (int64_t s = 0; s < n / QK_K; ++s)
        for (int h = 0; h < 2; ++h) {
            const __m512i x0 = _mm512_loadu_si512(xb[s].qs + 128 * h), x1 = _mm512_loadu_si512(xb[s].qs + 128 * h + 64);
            const __m512i lo = _mm512_shuffle_i64x2(x0, x1, _MM_SHUFFLE(2, 0, 2, 0));  // elements 0-15 of groups 0..3
            const __m512i hi = _mm512_shuffle_i64x2(x0, x1, _MM_SHUFFLE(3, 1, 3, 1));  // elements 16-31
            prepared_half& p = tail[2 * s + h];
            _mm512_storeu_si512(p.lo, lo);
            _mm512_storeu_si512(p.hi, hi);
            _mm512_storeu_si512(p.corr_lo, _mm512_sub_epi32(zero, _mm512_slli_epi32(_mm512_dpbusd_epi32(zero, ones, lo), 7)));
            _mm512_storeu_si512(p.corr_hi, _mm512_sub_epi32(zero, _mm512_slli_epi32(_mm512_dpbusd_epi32(zero, ones, hi), 7)));
        }
}

// The eight six-bit scales ls of a super-block, byte g = group g: the low four bits are nibble g of
// scales_l (as a little-endian word), the high two bits bits 2g.. of scales_h. Spread in a general
// register, where the work runs beside the vector pipes the products keep busy (the same built from
// vector shifts cost a quarter of the kernel's time).
static inline uint64_t six_bit_scales(const block_iq4_xs& b) {
    uint32_t low32;
    std::memcpy(&low32, b.scales_l, 4);
    uint64_t low = low32;
    low = (low | (low << 16)) & 0x0000FFFF0000FFFFull;
    low = (low | (low << 8)) & 0x00FF00FF00FF00FFull;
    low = (low | (low << 4)) & 0x0F0F0F0F0F0F0F0Full;
    uint64_t high = b.scales_h;
    high = (high | (high << 24)) & 0x000000FF000000FFull;
    high = (high | (high << 12)) & 0x000F000F000F000Full;
    high = (high | (high << 6)) & 0x0303030303030303ull;
    return low | (high << 4);
}

// ls − 32 of groups 4h + lane/4, lane by lane, from the eight scales' bytes less 32.
template <int H>
static inline __m512i group_scales(__m128i scales_less_32) {
    const __m128i spread = _mm_setr_epi8(4 * H, 4 * H, 4 * H, 4 * H, 4 * H + 1, 4 * H + 1, 4 * H + 1, 4 * H + 1,
                                         4 * H + 2, 4 * H + 2, 4 * H + 2, 4 * H + 2, 4 * H + 3, 4 * H + 3, 4 * H + 3, 4 * H + 3);
    return _mm512_cvtepi8_epi32(_mm_shuffle_epi8(scales_less_32, spread));
}

// Four groups (64 bytes of qs) against a prepared half: scaled exact sums into the low- and high-element lanes.
static inline void four_groups(const uint8_t* qs, const prepared_half& x, __m512i table, __m512i scale, __m512i& acc_lo, __m512i& acc_hi) {
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m512i v = _mm512_loadu_si512(qs);
    const __m512i lo = _mm512_shuffle_epi8(table, _mm512_and_si512(v, low4));
    const __m512i hi = _mm512_shuffle_epi8(table, _mm512_and_si512(_mm512_srli_epi16(v, 4), low4));
    const __m512i dlo = _mm512_dpbusd_epi32(_mm512_loadu_si512(x.corr_lo), lo, _mm512_loadu_si512(x.lo));
    const __m512i dhi = _mm512_dpbusd_epi32(_mm512_loadu_si512(x.corr_hi), hi, _mm512_loadu_si512(x.hi));
    acc_lo = _mm512_add_epi32(acc_lo, _mm512_mullo_epi32(dlo, scale));
    acc_hi = _mm512_add_epi32(acc_hi, _mm512_mullo_epi32(dhi, scale));
}

// Σ over the four groups of each of a 16-lane vector's lane positions 0..3.
static inline __m128i fold_groups4(__m512i a) {
    const __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(a), _mm512_extracti64x4_epi64(a, 1));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

float row_dot(int64_t k, const char* w, const block_q8_K* xb, const prepared_half* xh) {
    const int64_t nsb = k / QK_K;
    const block_iq4_xs* wb = reinterpret_cast<const block_iq4_xs*>(w);
    const __m512i table = _mm512_add_epi8(_mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kvalues_iq4nl))),
                                          _mm512_set1_epi8((char)0x80));
    __m256 acc = _mm256_setzero_ps();
    for (int64_t s = 0; s < nsb; ++s) {
        const block_iq4_xs& b = wb[s];
        for (int i = 0; i < (int)(sizeof(block_iq4_xs) + 63) / 64; ++i)
            _mm_prefetch(reinterpret_cast<const char*>(&b) + kPrefetchBytes + 64 * i, _MM_HINT_T0);
        __m512i acc_lo = _mm512_setzero_si512(), acc_hi = _mm512_setzero_si512();
        const __m128i scales = _mm_sub_epi8(_mm_cvtsi64_si128((long long)six_bit_scales(b)), _mm_set1_epi8(32));
        four_groups(b.qs, xh[2 * s], table, group_scales<0>(scales), acc_lo, acc_hi);
        four_groups(b.qs + 64, xh[2 * s + 1], table, group_scales<1>(scales), acc_lo, acc_hi);
        const __m256i total = _mm256_inserti128_si256(_mm256_castsi128_si256(fold_groups4(acc_lo)), fold_groups4(acc_hi), 1);
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(_cvtsh_ss(b.d) * xb[s].d), acc);
    }
    // + 0.0f: the shared kernel adds its (zero) min accumulator; kept so a −0 result rounds the same.
    return hsum_256(acc) + 0.0f;
}

void gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const char* wr = static_cast<const char*>(w);
    const block_q8_K* xb = static_cast<const block_q8_K*>(xq);
    const prepared_half* xh = reinterpret_cast<const prepared_half*>(static_cast<const char*>(xq) + q8_K_part(k));
    for (int64_t r = 0; r < nrows; ++r) y[r] = row_dot(k, wr + r * w_stride, xb, xh);
}

}  // namespace

// The shared GEMM reads the Q8_K blocks at the start of the prepared row and ignores the tail.
void register_avx512_vnni_iq4_xs(kernel_table& t) {
    type_kernels& k = t.types[NI_TYPE_IQ4_XS];
    k.act_bytes = act_bytes;
    k.prepare_act = prepare_act;
    k.gemv = gemv;
}

}  // namespace ni
