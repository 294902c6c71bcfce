// Argument checks shared by the compute entry points. Each returns NI_OK or a status with the
// message set, naming the function (`fn`) and the offending argument.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../core/error.h"
#include "../core/types.h"

namespace ni {

// Looks up a type and checks it may be used as `role` ("weight", "quantize") by `fn`.
ni_status check_type(const char* fn, const char* what, int32_t type, bool need_weight, const type_traits** out);

// K must be a positive multiple of the type's block size.
ni_status check_cols(const char* fn, const char* what, const type_traits& t, int64_t k);

// A strided 2-D buffer: stride >= row_bytes and a multiple of `align`.
ni_status check_stride(const char* fn, const char* what, size_t stride, size_t row_bytes, size_t align);

// Bytes spanned by n rows of `row_bytes` that are `stride` apart.
inline size_t span_bytes(int64_t n, size_t stride, size_t row_bytes) {
    return (size_t)(n - 1) * stride + row_bytes;
}

inline bool overlaps(const void* a, size_t a_bytes, const void* b, size_t b_bytes) {
    const char* pa = static_cast<const char*>(a);
    const char* pb = static_cast<const char*>(b);
    return pa < pb + b_bytes && pb < pa + a_bytes;
}

}  // namespace ni
