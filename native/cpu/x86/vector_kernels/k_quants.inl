// Q2_K, Q3_K, Q5_K and IQ4_XS weights against Q8_K activations (ggml's blocks, from the AVX2
// quantizer, bit-identical to the reference), written once against the vector abstraction
// (README.md) and compiled by avx2/ (one 32-value group per vector) and avx512/ (two). The
// including file defines NI_REGISTER_K_QUANTS and includes its vec.h.
//
// One call computes one weight row against RN tokens (as the Q4_K / Q6_K kernels): each
// super-block of 256 weights is unpacked once, group by group, and multiplied with every token.
// Products stay exact in int32 inside a super-block: maddubs (unsigned values; IQ4_XS's signed grid
// values by the sign trick) then madd by the sub-block scales; then one FMA per super-block and
// token with d·d_x, and for the formats with mins one more (in 256 bits) with −dmin·d_x:
//   Q2_K:   q in 0..3, 16 scales and mins of 4 bits; Σ m_j·bsum_j for the mins
//   Q3_K:   q + 4 in 0..7 (two low bits, the hmask bit as bit 2), 16 six-bit signed scales; the
//           offset 4·Σ sc_j·bsum_j is subtracted in int32
//   Q5_K:   q in 0..31 (nibble, qh bit as bit 4), Q4_K's 6-bit scales and mins
//   IQ4_XS: kvalues_iq4nl[q] by a byte shuffle, 8 six-bit signed scales
// Every (row, token) output follows one sequence fixed by K, so the GEMV (RN = 1) and the GEMM
// (RN = 4) give bit-identical results — on either ISA (the float work is 256 bits wide on both).
#include <utility>

#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "x86/avx2/activations.h"
#include "x86/avx2/simd.h"
#include "x86/common/k_quant_rows.h"

#ifndef NI_REGISTER_K_QUANTS
#error "define NI_REGISTER_K_QUANTS before including k_quants.inl"
#endif
#ifndef NI_K_QUANTS_GEMV
#error "define NI_K_QUANTS_GEMV(type) (whether this ISA registers its GEMV for the type) before including k_quants.inl"
#endif

namespace ni {
namespace {

constexpr int kKqPrefetchBytes = 1024;
constexpr int kSteps = 8 / kGroups;  // vector steps per super-block (8 groups of 32)

static inline float hsum_256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

// Group j (32 values: 128h + 32s .. +31, h = j / 4, s = j % 4) of Q2_K / Q3_K: bits 2s of qs[32h..].
template <int J>
static inline vi two_bit_group(const uint8_t* qs) {
    return vi_and(bytes_shifted<2 * (J % 4), 2 * ((J + 1) % 4)>(qs + 32 * (J / 4)), vi_set1_8(3));
}

struct q2_K_format {
    using block = block_q2_K;
    static constexpr bool kSigned = false, kMin = true, kOffset = false;
    struct unpacked {
        alignas(32) int16_t scale[16];
        alignas(32) int16_t min[16];
    };
    static inline void unpack(const block& b, unpacked& u) {
        const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)), low4 = _mm_set1_epi8(0x0F);
        _mm256_store_si256(reinterpret_cast<__m256i*>(u.scale), _mm256_cvtepu8_epi16(_mm_and_si128(raw, low4)));
        _mm256_store_si256(reinterpret_cast<__m256i*>(u.min), _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), low4)));
    }
    template <int J>
    static inline vi values(const block& b, vi) { return two_bit_group<J>(b.qs); }
    template <int J>
    static inline vi scales(const unpacked& u) { return scale16_per_half(u.scale + 2 * J); }
    static inline __m256i mins16(const unpacked& u) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(u.min)); }
    static inline __m256i offset16(const unpacked&) { return _mm256_setzero_si256(); }
    static inline float dmin(const block& b) { return half_to_float(b.dmin); }
};

struct q3_K_format {
    using block = block_q3_K;
    static constexpr bool kSigned = false, kMin = false, kOffset = true;
    struct unpacked {
        alignas(32) int16_t scale[16];
    };
    static inline void unpack(const block& b, unpacked& u) {
        const __m256i s16 = _mm256_cvtepu8_epi16(q3_K_scale_bytes(b.scales));
        _mm256_store_si256(reinterpret_cast<__m256i*>(u.scale), _mm256_sub_epi16(s16, _mm256_set1_epi16(32)));
    }
    // q + 4 = the two low bits | the hmask bit (bit j of hmask[l] for group j) << 2.
    template <int J>
    static inline vi values(const block& b, vi) {
        const vi high = vi_and(bytes_shifted<J, J + 1>(b.hmask), vi_set1_8(1));
        return vi_or(two_bit_group<J>(b.qs), vi_slli16<2>(high));
    }
    template <int J>
    static inline vi scales(const unpacked& u) { return scale16_per_half(u.scale + 2 * J); }
    static inline __m256i mins16(const unpacked&) { return _mm256_setzero_si256(); }
    static inline __m256i offset16(const unpacked& u) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(u.scale)); }
    static inline float dmin(const block&) { return 0.0f; }
};

struct q5_K_format {
    using block = block_q5_K;
    static constexpr bool kSigned = false, kMin = true, kOffset = false;
    struct unpacked {
        alignas(32) int16_t scale[8];
        alignas(32) int16_t min[16];  // each sub-block's min twice: once per 16-value bsum
    };
    static inline void unpack(const block& b, unpacked& u) {
        alignas(16) uint8_t sc[8], m[8];
        q4_K_scales(b.scales, sc, m);
        _mm_store_si128(reinterpret_cast<__m128i*>(u.scale), _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc))));
        const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(m));
        _mm256_store_si256(reinterpret_cast<__m256i*>(u.min), _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8)));
    }
    // Group j: nibble j % 2 of qs[32·(j / 2)..], the fifth bit from bit j of qh[l].
    template <int J>
    static inline vi values(const block& b, vi) {
        const vi low = vi_and(bytes_shifted<4 * (J % 2), 4 * ((J + 1) % 2)>(b.qs + 32 * (J / 2)), vi_set1_8(0x0F));
        const vi high = vi_and(bytes_shifted<J, J + 1>(b.qh), vi_set1_8(1));
        return vi_or(low, vi_slli16<4>(high));
    }
    template <int J>
    static inline vi scales(const unpacked& u) { return scale16_per_group(u.scale + J); }
    static inline __m256i mins16(const unpacked& u) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(u.min)); }
    static inline __m256i offset16(const unpacked&) { return _mm256_setzero_si256(); }
    static inline float dmin(const block& b) { return half_to_float(b.dmin); }
};

struct iq4_xs_format {
    using block = block_iq4_xs;
    static constexpr bool kSigned = true, kMin = false, kOffset = false;
    struct unpacked {
        alignas(32) int16_t scale[8];
    };
    static inline void unpack(const block& b, unpacked& u) {
        // Low nibbles: byte j / 2, nibble j % 2; high two bits: bits 2j of scales_h.
        uint32_t low;
        std::memcpy(&low, b.scales_l, 4);
        const __m128i l = _mm_cvtsi32_si128((int)low), low4 = _mm_set1_epi8(0x0F);
        const __m256i nib32 = _mm256_cvtepu8_epi32(_mm_unpacklo_epi8(_mm_and_si128(l, low4), _mm_and_si128(_mm_srli_epi16(l, 4), low4)));
        const __m256i high = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(b.scales_h), _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14)),
                                              _mm256_set1_epi32(3));
        const __m256i ls = _mm256_sub_epi32(_mm256_or_si256(nib32, _mm256_slli_epi32(high, 4)), _mm256_set1_epi32(32));
        // 8 int32 → 8 int16 (values fit: −32..31)
        const __m128i packed = _mm_packs_epi32(_mm256_castsi256_si128(ls), _mm256_extracti128_si256(ls, 1));
        _mm_store_si128(reinterpret_cast<__m128i*>(u.scale), packed);
    }
    template <int J>
    static inline vi values(const block& b, vi table) { return lookup16(table, nibbles_contiguous(b.qs + 16 * J)); }
    template <int J>
    static inline vi scales(const unpacked& u) { return scale16_per_group(u.scale + J); }
    static inline __m256i mins16(const unpacked&) { return _mm256_setzero_si256(); }
    static inline __m256i offset16(const unpacked&) { return _mm256_setzero_si256(); }
    static inline float dmin(const block&) { return 0.0f; }
};

// Vector step I (groups I·kGroups ..) of super-block s for every token into isum.
template <typename F, int RN, int I>
static inline void kq_step(const typename F::block& b, const typename F::unpacked& u, vi table, const block_q8_K* const* xb,
                           vi* isum) {
    constexpr int J = I * kGroups;
    const vi q = F::template values<J>(b, table);
    const vi sc = F::template scales<J>(u);
    const vi abs_q = F::kSigned ? abs8(q) : q;
    for (int c = 0; c < RN; ++c) {
        const vi xv = load_groups(xb[c]->qs + 32 * J);
        isum[c] = vi_add32(isum[c], dot_u8s8_scaled(abs_q, F::kSigned ? sign_of(xv, q) : xv, sc));
    }
}

template <typename F, int RN, int... I>
static inline void kq_steps(const typename F::block& b, const typename F::unpacked& u, vi table, const block_q8_K* const* xb,
                            vi* isum, std::integer_sequence<int, I...>) {
    (kq_step<F, RN, I>(b, u, table, xb, isum), ...);
}

template <typename F, int RN>
void kq_row(int64_t k, const char* w, const char* const* x, float* const* y) {
    using block = typename F::block;
    const int64_t nsb = k / QK_K;
    const block* wb = reinterpret_cast<const block*>(w);
    const vi table = table16(kvalues_iq4nl);
    // Float work in 256 bits on every ISA: a super-block's int32 lanes are folded to 8 (exact), so
    // the AVX2 and AVX-512 kernels give bit-identical results and a table may take the GEMV of one
    // and the GEMM of the other (register functions below).
    __m256 acc[RN], accm[RN];
    for (int c = 0; c < RN; ++c) {
        acc[c] = _mm256_setzero_ps();
        accm[c] = _mm256_setzero_ps();
    }
    for (int64_t s = 0; s < nsb; ++s) {
        const block& b = wb[s];
        for (int i = 0; i < (int)(sizeof(block) + 63) / 64; ++i)
            _mm_prefetch(reinterpret_cast<const char*>(&b) + kKqPrefetchBytes + 64 * i, _MM_HINT_T0);
        typename F::unpacked u;
        F::unpack(b, u);
        const block_q8_K* xb[RN];
        vi isum[RN];
        for (int c = 0; c < RN; ++c) {
            xb[c] = reinterpret_cast<const block_q8_K*>(x[c]) + s;
            isum[c] = vi_zero();
        }
        kq_steps<F, RN>(b, u, table, xb, isum, std::make_integer_sequence<int, kSteps>());
        const float d = half_to_float(b.d);
        for (int c = 0; c < RN; ++c) {
            const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb[c]->bsums));
            __m256i total = fold_groups(isum[c]);
            if (F::kOffset)  // Σ sc·(q + 4)·x − 4·Σ sc_j·bsum_j
                total = _mm256_sub_epi32(total, _mm256_slli_epi32(_mm256_madd_epi16(bsums, F::offset16(u)), 2));
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(d * xb[c]->d), acc[c]);
            if (F::kMin)
                accm[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(bsums, F::mins16(u))), _mm256_set1_ps(-F::dmin(b) * xb[c]->d),
                                          accm[c]);
        }
    }
    for (int c = 0; c < RN; ++c) *y[c] = hsum_256(acc[c]) + hsum_256(accm[c]);
}

// Tokens per GEMM pass over a weight row: 8 where 32 vector registers hold their sums (each weight
// group is unpacked once for more tokens; single thread, N = 64 in cache: IQ4_XS 92 → 109 GFLOP/s, Q2_K 114 → 125,
// Q3_K 108 → 133, Q5_K 102 → 116), 4 on AVX2 (16 registers).
constexpr int kRowTokens = kGroups == 2 ? 8 : 4;

template <typename F>
using kq_driver = row_driver<kq_row<F, 1>, kq_row<F, kRowTokens>, kRowTokens>;

size_t kq_act_bytes(int64_t k) { return (size_t)(k / QK_K) * sizeof(block_q8_K); }

// The GEMV, GEMM or both of a format (NI_K_QUANTS_GEMV / _GEMM name the types each ISA takes: where
// the narrower ISA's GEMV measured faster, the wider one keeps it; the results are bit-identical).
template <typename F>
void set_kq(kernel_table& t, int type, bool gemv, bool gemm) {
    t.types[type].act_bytes = kq_act_bytes;
    t.types[type].prepare_act = avx2_quantize_row_q8_K;
    if (gemv) t.types[type].gemv = kq_driver<F>::gemv;
    if (gemm) t.types[type].gemm = kq_driver<F>::gemm;
}

}  // namespace

void NI_REGISTER_K_QUANTS(kernel_table& t) {
    set_kq<q2_K_format>(t, NI_TYPE_Q2_K, NI_K_QUANTS_GEMV(NI_TYPE_Q2_K), true);
    set_kq<q3_K_format>(t, NI_TYPE_Q3_K, NI_K_QUANTS_GEMV(NI_TYPE_Q3_K), true);
    set_kq<q5_K_format>(t, NI_TYPE_Q5_K, NI_K_QUANTS_GEMV(NI_TYPE_Q5_K), true);
    set_kq<iq4_xs_format>(t, NI_TYPE_IQ4_XS, NI_K_QUANTS_GEMV(NI_TYPE_IQ4_XS), true);
}

}  // namespace ni
