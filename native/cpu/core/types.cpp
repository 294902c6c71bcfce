#include "types.h"

#include <cstring>
#include <numeric>

#include "blocks.h"
#include "blocks_iq.h"
#include "error.h"

namespace ni {
namespace {

struct traits_table {
    type_traits t[32];
    traits_table() {
        auto set = [&](int id, bool weight, int bs, size_t bytes, int act, const char* name) {
            t[id] = type_traits{true, weight, bs, bytes, act, name};
            // Never less than the block's natural alignment (which divides its size and is at most
            // 4 for every ggml block); the natural one is set below where it is smaller.
            t[id].alignment = std::gcd(bytes, (size_t)4);
        };
        set(NI_TYPE_F32, true, 1, 4, NI_TYPE_F32, "f32");
        set(NI_TYPE_F16, true, 1, 2, NI_TYPE_F16, "f16");
        set(NI_TYPE_BF16, true, 1, 2, NI_TYPE_BF16, "bf16");
        set(NI_TYPE_Q4_0, true, QK4_0, sizeof(block_q4_0), NI_TYPE_Q8_0, "q4_0");
        set(NI_TYPE_Q8_0, true, QK8_0, sizeof(block_q8_0), NI_TYPE_Q8_0, "q8_0");
        set(NI_TYPE_Q4_K, true, QK_K, sizeof(block_q4_K), NI_TYPE_Q8_K, "q4_K");
        set(NI_TYPE_Q6_K, true, QK_K, sizeof(block_q6_K), NI_TYPE_Q8_K, "q6_K");
        set(NI_TYPE_Q8_K, false, QK_K, sizeof(block_q8_K), NI_TYPE_Q8_K, "q8_K");
        set(NI_TYPE_Q4_1, true, QK4_1, sizeof(block_q4_1), NI_TYPE_Q8_1, "q4_1");
        set(NI_TYPE_Q5_0, true, QK5_0, sizeof(block_q5_0), NI_TYPE_Q8_0, "q5_0");
        set(NI_TYPE_Q5_1, true, QK5_1, sizeof(block_q5_1), NI_TYPE_Q8_1, "q5_1");
        set(NI_TYPE_Q8_1, false, QK8_1, sizeof(block_q8_1), NI_TYPE_Q8_1, "q8_1");
        set(NI_TYPE_IQ4_NL, true, QK4_NL, sizeof(block_iq4_nl), NI_TYPE_Q8_0, "iq4_nl");
        set(NI_TYPE_Q2_K, true, QK_K, sizeof(block_q2_K), NI_TYPE_Q8_K, "q2_K");
        set(NI_TYPE_Q3_K, true, QK_K, sizeof(block_q3_K), NI_TYPE_Q8_K, "q3_K");
        set(NI_TYPE_Q5_K, true, QK_K, sizeof(block_q5_K), NI_TYPE_Q8_K, "q5_K");
        set(NI_TYPE_IQ4_XS, true, QK_K, sizeof(block_iq4_xs), NI_TYPE_Q8_K, "iq4_xs");
        set(NI_TYPE_IQ2_XXS, true, QK_K, sizeof(block_iq2_xxs), NI_TYPE_Q8_K, "iq2_xxs");
        set(NI_TYPE_IQ2_XS, true, QK_K, sizeof(block_iq2_xs), NI_TYPE_Q8_K, "iq2_xs");
        set(NI_TYPE_IQ2_S, true, QK_K, sizeof(block_iq2_s), NI_TYPE_Q8_K, "iq2_s");
        set(NI_TYPE_IQ3_XXS, true, QK_K, sizeof(block_iq3_xxs), NI_TYPE_Q8_K, "iq3_xxs");
        set(NI_TYPE_IQ3_S, true, QK_K, sizeof(block_iq3_s), NI_TYPE_Q8_K, "iq3_s");
        set(NI_TYPE_IQ1_S, true, QK_K, sizeof(block_iq1_s), NI_TYPE_Q8_K, "iq1_s");
        set(NI_TYPE_IQ1_M, true, QK_K, sizeof(block_iq1_m), NI_TYPE_Q8_K, "iq1_m");
        t[NI_TYPE_Q4_K].alignment = alignof(block_q4_K);  // 144-byte blocks whose widest field is an fp16
    }
};

const traits_table& table() {
    static const traits_table instance;
    return instance;
}

}  // namespace

const type_traits* traits_of(int32_t type) {
    if (type < 0 || type >= 32) return nullptr;
    const type_traits& t = table().t[type];
    return t.known ? &t : nullptr;
}

}  // namespace ni

extern "C" {

NI_API ni_status ni_type_get_info(int32_t type, ni_type_info* out) {
    NI_GUARD_BEGIN
    NI_CHECK_NOT_NULL(out);
    const ni::type_traits* t = ni::traits_of(type);
    if (!t) return ni::fail(NI_ERR_UNSUPPORTED_TYPE, "ni_type_get_info: unknown type id %d", type);
    std::memset(out, 0, sizeof *out);
    out->type = type;
    out->block_size = t->block_size;
    out->block_bytes = (int64_t)t->block_bytes;
    out->activation_type = t->activation_type;
    out->is_weight_type = t->weight ? 1 : 0;
    std::strncpy(out->name, t->name, sizeof out->name - 1);
    return NI_OK;
    NI_GUARD_END
}

NI_API ni_status ni_row_size(int32_t type, int64_t n_cols, size_t* out_bytes) {
    NI_GUARD_BEGIN
    NI_CHECK_NOT_NULL(out_bytes);
    const ni::type_traits* t = ni::traits_of(type);
    if (!t) return ni::fail(NI_ERR_UNSUPPORTED_TYPE, "ni_row_size: unknown type id %d", type);
    NI_CHECK_POSITIVE(n_cols);
    if (n_cols % t->block_size != 0)
        return ni::fail(NI_ERR_SHAPE, "ni_row_size: %lld columns is not a multiple of the %s block size %d",
                        (long long)n_cols, t->name, t->block_size);
    const ni::checked bytes = ni::row_bytes_checked(*t, n_cols);
    if (!bytes.ok())
        return ni::fail(NI_ERR_INVALID_ARGUMENT, "ni_row_size: n_cols = %lld: a row of that many %s values exceeds 2^63 bytes",
                        (long long)n_cols, t->name);
    *out_bytes = bytes.value();
    return NI_OK;
    NI_GUARD_END
}

}  // extern "C"
