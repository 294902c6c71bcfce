// Argument checks shared by the compute entry points. Each returns NI_OK or a status with the
// message set, naming the function (`fn`) and the offending argument.
//
// Extents (row bytes, spans) are computed with core/checked.h before any stride or overlap check
// looks at them, so a size that would wrap is an error instead of a small number that passes.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../core/checked.h"
#include "../core/error.h"
#include "../core/types.h"

namespace ni {

// Looks up a type and checks it may be used as a weight type when `need_weight`.
ni_status check_type(const char* fn, const char* what, int32_t type, bool need_weight, const type_traits** out);

// A count that must be > 0.
ni_status check_positive(const char* fn, const char* what, int64_t n);

// `k` values per row: a positive multiple of the type's block size whose row of the type fits the
// size range. *row_bytes receives the bytes of one row in the type.
ni_status check_cols(const char* fn, const char* what, const type_traits& t, int64_t k, size_t* row_bytes);

// `k` f32 values per row must fit the size range; *row_bytes receives k · 4.
ni_status check_f32_cols(const char* fn, const char* what, int64_t k, size_t* row_bytes);

// A strided 2-D buffer: stride >= row_bytes and a multiple of `align`.
ni_status check_stride(const char* fn, const char* what, size_t stride, size_t row_bytes, size_t align);

// A pointer the kernels read as `align`-byte elements (the type's natural alignment).
ni_status check_aligned(const char* fn, const char* what, const void* p, size_t align);

// A buffer starting at p that spans `span` bytes: the span must be in range (it is poisoned when its
// arithmetic overflowed) and p + span must not wrap the address space. *bytes receives the span.
ni_status check_span(const char* fn, const char* what, const void* p, checked span, size_t* bytes);

// Whether [a, a + a_bytes) and [b, b + b_bytes) share a byte (both spans checked beforehand).
inline bool overlaps(const void* a, size_t a_bytes, const void* b, size_t b_bytes) {
    const uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
    return pa < pb + b_bytes && pb < pa + a_bytes;
}

}  // namespace ni
