// Q5_0 and Q5_1 GEMVs for AVX2 (the AVX2 table only; the GEMM stays ../vector_kernels/block32.inl's).
// Per block, fewer vector instructions than the shared kernel (which inverts Q5_0's fifth bits in a
// general register, inserts the high nibbles with a cross-lane shuffle and converts d through a scalar
// load and move): the fifth bits are broadcast straight from the block, spread to one byte each by a
// shuffle, an or and a compare; the nibbles come from one broadcast load and a 64-bit variable shift;
// d (and Q5_1's m) from one conversion from memory. Q5_0 is read as unsigned u = nibble | 16·fifth bit
// (no sign trick) and the activations' 16·Σx lanes are subtracted: this table's Q5_0 activations carry
// them after the x86/common/prepared_b32.h row (q5_0_prepare). Two blocks per iteration, as the
// shared kernel steps.
//
// Batch invariance: the int32 lanes (elements 4l..4l+3 of the block) are the exact sums the shared
// kernel forms, and the float steps are its own — per pair of blocks t =
// float(lanes₀)·(d_w₀·d_x₀), t = fma(float(lanes₁), d_w₁·d_x₁, t), acc += t; Q5_1's min terms by a
// scalar fma chain, block by block; vf_hsum(acc) + the min sum — so the GEMV's bits are the GEMM's
// (test_batch_invariance).
#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "x86/avx2/activations.h"
#include "x86/avx2/vec.h"
#include "x86/common/prepared_b32.h"

namespace ni {
namespace {

constexpr int kQ5PrefetchBytes = 1024;

// Keeps v as computed: without it the compiler turns the broadcast loads below back into a move and a
// shuffle, and the conversion from memory into a scalar load, a move and a conversion (one to two
// more vector instructions per block, on the ports this kernel is bound by).
template <typename V>
static inline V as_loaded(V v) {
    __asm__("" : "+x"(v));
    return v;
}

// Byte j of the result: all ones where bit j of the 32 bits at qh is set, else zero. The 32 bits
// are broadcast by a load (no shuffle), each byte set to all ones but its own bit, compared with all ones.
static inline __m256i fifth_bit_mask(const uint8_t* qh) {
    const __m256i all = as_loaded(_mm256_broadcastd_epi32(_mm_loadu_si32(qh)));  // qh is not 4-byte aligned
    const __m256i spread = _mm256_shuffle_epi8(all, _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                                                     2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m256i others = _mm256_set1_epi64x((long long)0x7fbfdfeff7fbfdfeull);
    return _mm256_cmpeq_epi8(_mm256_or_si256(spread, others), _mm256_set1_epi64x(-1));
}

// The 16 bytes at qs as 32 values 0..15, low nibbles first (ggml's element order): the bytes
// broadcast to both halves by a load, the upper half shifted by 4.
static inline __m256i low_nibbles(const uint8_t* qs) {
    const __m256i v = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
    // (as_loaded: the compiler otherwise folds this and into Q5_0's combination with the fifth bits, as four
    // instructions where three do)
    return as_loaded(_mm256_and_si256(_mm256_srlv_epi64(v, _mm256_setr_epi64x(0, 0, 4, 4)), _mm256_set1_epi8(0x0F)));
}

// The int32 lanes of one block against its 32 activations: Σ of 4 consecutive products each.
// Q5_0: Σ (u − 16)·x with u = nibble | 16·fifth bit in 0..31 (unsigned, so no sign trick): maddubs
// of u (pairs ≤ 2·31·127, no saturation) less the prepared 16·Σx of the lane (x16, see below).
static inline __m256i q5_0_lanes(const block_q5_0& b, const int8_t* x, const int32_t* x16) {
    const __m256i u = _mm256_or_si256(low_nibbles(b.qs), _mm256_and_si256(fifth_bit_mask(b.qh), _mm256_set1_epi8(0x10)));
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
    const __m256i ux = _mm256_madd_epi16(_mm256_maddubs_epi16(u, xv), _mm256_set1_epi16(1));
    return _mm256_sub_epi32(ux, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x16)));
}

static inline __m256i q5_1_lanes(const block_q5_1& b, const int8_t* x, const int32_t*) {
    const __m256i q = _mm256_or_si256(low_nibbles(b.qs), _mm256_and_si256(fifth_bit_mask(b.qh), _mm256_set1_epi8(0x10)));
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
    return _mm256_madd_epi16(_mm256_maddubs_epi16(q, xv), _mm256_set1_epi16(1));
}

// The block's first four halves as floats by one conversion from memory: d in lane 0 (and Q5_1's m in
// lane 1); both formats start with their halves and are longer than 8 bytes.
static inline __m128 leading_halves(const void* b) { return as_loaded(_mm_cvtph_ps(_mm_loadl_epi64(static_cast<const __m128i*>(b)))); }

// d_w·d_x in every lane (the shared kernel's one f32 product).
static inline __m256 block_scale(__m128 halves, const float* xd) { return _mm256_broadcastss_ps(_mm_mul_ss(halves, _mm_load_ss(xd))); }

// Q5_0's activations: the prepared_b32.h row followed by int32 x16[np][8], lane l of block b = 16·Σ of
// its values 4l..4l+3 (x86/common/prepared_b32.h's np; computed by q5_0_prepare).
static inline const int32_t* q5_0_x16(const void* row, int64_t k) {
    return reinterpret_cast<const int32_t*>(static_cast<const char*>(row) + prepared_b32_bytes(k));
}

struct q5_0_kind {
    using block = block_q5_0;
    static constexpr bool kMin = false;
    static inline __m256i lanes(const block& b, const int8_t* x, const int32_t* x16) { return q5_0_lanes(b, x, x16); }
    static inline float min(__m128) { return 0.0f; }
};

struct q5_1_kind {
    using block = block_q5_1;
    static constexpr bool kMin = true;
    static inline __m256i lanes(const block& b, const int8_t* x, const int32_t* x16) { return q5_1_lanes(b, x, x16); }
    static inline float min(__m128 halves) { return _mm_cvtss_f32(_mm_movehdup_ps(halves)); }
};

// Q5_0's 16·Σx lanes of block i (Q5_1 has none: no pointer arithmetic on its null).
template <typename F>
static inline const int32_t* x16_of(const int32_t* x16, int64_t i) {
    if constexpr (F::kMin) return nullptr;
    else return x16 + 8 * i;
}

template <typename F>
static inline float q5_row(int64_t k, const char* w, const int8_t* xq, const float* xd, const float* xs, const int32_t* x16) {
    using block = typename F::block;
    const int64_t nb = k / 32;
    const block* wb = reinterpret_cast<const block*>(w);
    __m256 acc = _mm256_setzero_ps();
    float accm = 0.0f;
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        _mm_prefetch(reinterpret_cast<const char*>(wb + b) + kQ5PrefetchBytes, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(wb + b) + kQ5PrefetchBytes + 64, _MM_HINT_T0);
        const __m256i l0 = F::lanes(wb[b], xq + 32 * b, x16_of<F>(x16, b));
        const __m256i l1 = F::lanes(wb[b + 1], xq + 32 * (b + 1), x16_of<F>(x16, b + 1));
        const __m128 h0 = leading_halves(wb + b), h1 = leading_halves(wb + b + 1);
        __m256 t = _mm256_mul_ps(_mm256_cvtepi32_ps(l0), block_scale(h0, xd + b));
        t = _mm256_fmadd_ps(_mm256_cvtepi32_ps(l1), block_scale(h1, xd + b + 1), t);
        acc = _mm256_add_ps(acc, t);
        if (F::kMin) {
            accm = __builtin_fmaf(F::min(h0), xs[b], accm);
            accm = __builtin_fmaf(F::min(h1), xs[b + 1], accm);
        }
    }
    if (b < nb) {  // an odd last block
        const __m128 h0 = leading_halves(wb + b);
        acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_cvtepi32_ps(F::lanes(wb[b], xq + 32 * b, x16_of<F>(x16, b))), block_scale(h0, xd + b)));
        if (F::kMin) accm = __builtin_fmaf(F::min(h0), xs[b], accm);
    }
    return vf_hsum(acc) + accm;
}

template <typename F>
void q5_gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const char* wr = static_cast<const char*>(w);
    const int8_t* qs = prepared_b32_qs(xq);
    const float* xd = prepared_b32_d(xq, k);
    const float* xs = prepared_b32_s(xq, k);
    const int32_t* x16 = F::kMin ? nullptr : q5_0_x16(xq, k);
    for (int64_t r = 0; r < nrows; ++r) y[r] = q5_row<F>(k, wr + r * w_stride, qs, xd, xs, x16);
}

size_t q5_0_act_bytes(int64_t k) { return prepared_b32_bytes(k) + (size_t)prepared_b32_blocks(k) * 32; }

// x86/common/prepared_b32.h's row, then the 16·Σx lanes of every block (the GEMM reads only the first part).
void q5_0_prepare(const float* x, void* out, int64_t k) {
    avx2_prepare_b32(x, out, k);
    const int8_t* qs = prepared_b32_qs(out);
    int32_t* x16 = reinterpret_cast<int32_t*>(static_cast<char*>(out) + prepared_b32_bytes(k));
    for (int64_t b = 0; b < prepared_b32_blocks(k); ++b) {
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * b));
        const __m256i lanes = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(16), xv), _mm256_set1_epi16(1));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(x16 + 8 * b), lanes);
    }
}

}  // namespace

// After register_avx2_block32, which sets the GEMMs (and Q5_1's activations): the GEMVs and Q5_0's
// longer activations (the GEMM reads their first part, unchanged).
void register_avx2_q5_gemv(kernel_table& t) {
    t.types[NI_TYPE_Q5_0].act_bytes = q5_0_act_bytes;
    t.types[NI_TYPE_Q5_0].prepare_act = q5_0_prepare;
    t.types[NI_TYPE_Q5_0].gemv = q5_gemv<q5_0_kind>;
    t.types[NI_TYPE_Q5_1].gemv = q5_gemv<q5_1_kind>;
}

}  // namespace ni
