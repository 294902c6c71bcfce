// Q4_1, Q5_0, Q5_1 and IQ4_NL weights against activations prepared as x86/common/prepared_b32.h,
// written against the vector abstraction (README.md). Compiled by avx2/ (one block per vector); the
// AVX-512 build of it (two blocks per vector) measured no faster than AVX2 at N = 1 and was replaced
// by the quad kernels of avx512_common/block32_quads.inl (docs/native.md). The including file defines
// NI_REGISTER_BLOCK32 and includes its vec.h.
//
// One call computes one weight row against RN tokens: each step unpacks kGroups blocks into int8
// values once and multiplies them with every token. Per block and token: int32 lanes of 4 exact
// products (maddubs + madd; signed weights by the sign trick), converted and scaled by d_w·d_x;
//   Q4_1, Q5_1: q in 0..15 / 0..31 unsigned, plus the min term m·(d_x·Σx_q) from the prepared sums
//   Q5_0:       q − 16 in −16..15 (the fifth bit clear means the nibble minus 16: nibble | 0xF0)
//   IQ4_NL:     kvalues_iq4nl[q] by a byte shuffle, −127..113
// Batch invariance: every (row, token) output follows one sequence fixed by K alone — two steps'
// products are summed (mul, then fma) before one add into the token's accumulator, the min terms
// go to a scalar accumulator by explicit fma — so the GEMV (RN = 1) and the GEMM (RN = 4) give
// bit-identical results.
#include <utility>

#include "core/blocks.h"
#include "dispatch/kernels.h"
#include "x86/avx2/activations.h"
#include "x86/common/k_quant_rows.h"
#include "x86/common/prepared_b32.h"

#ifndef NI_REGISTER_BLOCK32
#error "define NI_REGISTER_BLOCK32 before including block32.inl"
#endif

namespace ni {
namespace {

constexpr int kB32PrefetchBytes = 1024;

template <typename B>
static inline void qs_pointers(const B* b, const uint8_t** qs) {
    for (int g = 0; g < kGroups; ++g) qs[g] = b[g].qs;
}

template <typename B>
static inline void fifth_bits(const B* b, uint32_t* bits, bool invert) {
    for (int g = 0; g < kGroups; ++g) {
        std::memcpy(&bits[g], b[g].qh, 4);
        if (invert) bits[g] = ~bits[g];
    }
}

struct q4_1_format {
    using block = block_q4_1;
    static constexpr bool kSigned = false, kMin = true;
    static inline vi values(const block* b, vi) {
        const uint8_t* qs[kGroups];
        qs_pointers(b, qs);
        return nibbles(qs);
    }
    static inline float min(const block& b) { return half_to_float(b.m); }
};

struct q5_0_format {
    using block = block_q5_0;
    static constexpr bool kSigned = true, kMin = false;
    static inline vi values(const block* b, vi) {
        const uint8_t* qs[kGroups];
        uint32_t bits[kGroups];
        qs_pointers(b, qs);
        fifth_bits(b, bits, true);
        return vi_or(nibbles(qs), bits_to_bytes(bits, (int8_t)0xF0));
    }
    static inline float min(const block&) { return 0.0f; }
};

struct q5_1_format {
    using block = block_q5_1;
    static constexpr bool kSigned = false, kMin = true;
    static inline vi values(const block* b, vi) {
        const uint8_t* qs[kGroups];
        uint32_t bits[kGroups];
        qs_pointers(b, qs);
        fifth_bits(b, bits, false);
        return vi_or(nibbles(qs), bits_to_bytes(bits, 0x10));
    }
    static inline float min(const block& b) { return half_to_float(b.m); }
};

struct iq4_nl_format {
    using block = block_iq4_nl;
    static constexpr bool kSigned = true, kMin = false;
    static inline vi values(const block* b, vi table) {
        const uint8_t* qs[kGroups];
        qs_pointers(b, qs);
        return lookup16(table, nibbles(qs));
    }
    static inline float min(const block&) { return 0.0f; }
};

// The activation rows of RN tokens.
template <int RN>
struct b32_tokens {
    const int8_t* qs[RN];
    const float* d[RN];
    const float* s[RN];
};

// kGroups blocks starting at block b (weights `blk`) against every token: first ? t = p : t += p,
// p = float(lanes)·(d_w·d_x); the min terms into accm.
template <typename F, int RN>
static inline void b32_step(const typename F::block* blk, int64_t b, vi table, const b32_tokens<RN>& x, bool first, vf* t,
                            float* accm) {
    const vi q = F::values(blk, table);
    const vi u = F::kSigned ? abs8(q) : q;
    float dw[kGroups], mw[kGroups];
    for (int g = 0; g < kGroups; ++g) {
        dw[g] = half_to_float(blk[g].d);
        mw[g] = F::min(blk[g]);
    }
    for (int c = 0; c < RN; ++c) {
        const vi xv = load_groups(x.qs[c] + 32 * b);
        const vi lanes = F::kSigned ? dot_u8s8(u, sign_of(xv, q)) : dot_u8s8(q, xv);
        float s[kGroups];
        for (int g = 0; g < kGroups; ++g) s[g] = dw[g] * x.d[c][b + g];
        const vf p = vf_cvt(lanes), sc = group_scales(s);
        t[c] = first ? vf_mul(p, sc) : vf_fma(p, sc, t[c]);
        if (F::kMin)
            for (int g = 0; g < kGroups; ++g) accm[c] = __builtin_fmaf(mw[g], x.s[c][b + g], accm[c]);
    }
}

template <typename F, int RN>
void b32_row(int64_t k, const char* w, const char* const* x, float* const* y) {
    using block = typename F::block;
    const int64_t nb = k / 32;
    const block* wb = reinterpret_cast<const block*>(w);
    const vi table = table16(kvalues_iq4nl);
    b32_tokens<RN> tok;
    vf acc[RN], t[RN];
    float accm[RN];
    for (int c = 0; c < RN; ++c) {
        tok.qs[c] = prepared_b32_qs(x[c]);
        tok.d[c] = prepared_b32_d(x[c], k);
        tok.s[c] = prepared_b32_s(x[c], k);
        acc[c] = vf_zero();
        accm[c] = 0.0f;
    }
    int64_t b = 0;
    for (; b + 2 * kGroups <= nb; b += 2 * kGroups) {
        _mm_prefetch(reinterpret_cast<const char*>(wb + b) + kB32PrefetchBytes, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(wb + b) + kB32PrefetchBytes + 64, _MM_HINT_T0);
        b32_step<F, RN>(wb + b, b, table, tok, true, t, accm);
        b32_step<F, RN>(wb + b + kGroups, b + kGroups, table, tok, false, t, accm);
        for (int c = 0; c < RN; ++c) acc[c] = vf_add(acc[c], t[c]);
    }
    if (b < nb) {
        // The last one or two blocks (AVX-512 reads pairs: a missing second block is zero, as
        // are its activations, and is never read from the row).
        block last[2 * kGroups] = {};
        std::memcpy(last, wb + b, (size_t)(nb - b) * sizeof(block));
        b32_step<F, RN>(last, b, table, tok, true, t, accm);
        if (nb - b > kGroups) b32_step<F, RN>(last + kGroups, b + kGroups, table, tok, false, t, accm);
        for (int c = 0; c < RN; ++c) acc[c] = vf_add(acc[c], t[c]);
    }
    for (int c = 0; c < RN; ++c) *y[c] = vf_hsum(acc[c]) + accm[c];
}

template <typename F>
using b32_driver = row_driver<b32_row<F, 1>, b32_row<F, 4>>;

size_t b32_act_bytes(int64_t k) { return prepared_b32_bytes(k); }

template <typename F>
void set_b32(kernel_table& t, int type) {
    t.types[type].act_bytes = b32_act_bytes;
    t.types[type].prepare_act = avx2_prepare_b32;
    t.types[type].gemv = b32_driver<F>::gemv;
    t.types[type].gemm = b32_driver<F>::gemm;
}

}  // namespace

void NI_REGISTER_BLOCK32(kernel_table& t) {
    set_b32<q4_1_format>(t, NI_TYPE_Q4_1);
    set_b32<q5_0_format>(t, NI_TYPE_Q5_0);
    set_b32<q5_1_format>(t, NI_TYPE_Q5_1);
    set_b32<iq4_nl_format>(t, NI_TYPE_IQ4_NL);
}

}  // namespace ni
