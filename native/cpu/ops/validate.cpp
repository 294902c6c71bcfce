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

ni_status check_positive(const char* fn, const char* what, int64_t n) {
    if (n <= 0) return fail(NI_ERR_INVALID_ARGUMENT, "%s: %s must be > 0 (got %lld)", fn, what, (long long)n);
    return NI_OK;
}

ni_status check_cols(const char* fn, const char* what, const type_traits& t, int64_t k, size_t* row_bytes) {
    ni_status st = check_positive(fn, what, k);
    if (st != NI_OK) return st;
    if (k % t.block_size != 0)
        return fail(NI_ERR_SHAPE, "%s: %s = %lld is not a multiple of the %s block size %d", fn, what,
                    (long long)k, t.name, t.block_size);
    const checked bytes = row_bytes_checked(t, k);
    if (!bytes.ok())
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: %s = %lld: a row of that many %s values exceeds 2^63 bytes", fn, what,
                    (long long)k, t.name);
    *row_bytes = bytes.value();
    return NI_OK;
}

ni_status check_f32_cols(const char* fn, const char* what, int64_t k, size_t* row_bytes) {
    const checked bytes = checked(k) * sizeof(float);
    if (!bytes.ok())
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: %s = %lld: a row of that many f32 values exceeds 2^63 bytes", fn, what, (long long)k);
    *row_bytes = bytes.value();
    return NI_OK;
}

ni_status check_stride(const char* fn, const char* what, size_t stride, size_t row_bytes, size_t align) {
    if (stride < row_bytes)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: %s = %zu bytes is shorter than a row (%zu bytes)", fn, what, stride, row_bytes);
    if (stride % align != 0)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: %s = %zu bytes is not a multiple of %zu (the element alignment)", fn, what,
                    stride, align);
    return NI_OK;
}

ni_status check_aligned(const char* fn, const char* what, const void* p, size_t align) {
    if ((uintptr_t)p % align != 0)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: %s = %p is not %zu-byte aligned (the alignment of its element type)", fn, what,
                    p, align);
    return NI_OK;
}

ni_status check_span(const char* fn, const char* what, const void* p, checked span, size_t* bytes) {
    if (!span.ok() || !fits_address_space(p, span.value()))
        return fail(NI_ERR_INVALID_ARGUMENT,
                    "%s: %s would span more than the address space (its rows × stride, or batches × batch stride, overflow)", fn, what);
    *bytes = span.value();
    return NI_OK;
}

}  // namespace ni
