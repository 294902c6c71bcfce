#include "validate.h"

namespace ni {

ni_status check_type(const char* fn, const char* what, int32_t type, bool need_weight, const type_traits** out) {
    const type_traits* t = traits_of(type);
    if (!t) return fail(NI_ERR_UNSUPPORTED_TYPE, "%s: %s has unknown type id %d", fn, what, type);
    if (need_weight && !t->weight)
        return fail(NI_ERR_UNSUPPORTED_TYPE, "%s: %s type %s is an activation format, not a weight type", fn, what, t->name);
    *out = t;
    return NI_OK;
}

ni_status check_cols(const char* fn, const char* what, const type_traits& t, int64_t k) {
    if (k <= 0) return fail(NI_ERR_INVALID_ARGUMENT, "%s: %s must be > 0 (got %lld)", fn, what, (long long)k);
    if (k % t.block_size != 0)
        return fail(NI_ERR_SHAPE, "%s: %s = %lld is not a multiple of the %s block size %d", fn, what,
                    (long long)k, t.name, t.block_size);
    return NI_OK;
}

ni_status check_stride(const char* fn, const char* what, size_t stride, size_t row_bytes, size_t align) {
    if (stride < row_bytes)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: %s = %zu bytes is shorter than a row (%zu bytes)", fn, what, stride, row_bytes);
    if (stride % align != 0)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: %s = %zu bytes is not a multiple of %zu", fn, what, stride, align);
    return NI_OK;
}

}  // namespace ni
