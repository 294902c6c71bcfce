// Overflow-checked size arithmetic for argument validation and scratch sizing.
//
// Every extent the entry points derive from caller sizes (row bytes, spans of strided buffers,
// token × slot counts, scratch bytes) is computed as a `checked` value: a count that remembers
// whether any step went out of range. The range is [0, PTRDIFF_MAX]: an extent that passes fits
// size_t, int64_t and pointer differences alike, so the kernels' own index arithmetic on validated
// arguments cannot wrap either. A negative input, or a product or sum past the range, poisons the
// value; the caller tests ok() once at the end and names the argument in its error.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ni {

class checked {
public:
    static constexpr uint64_t kMax = (uint64_t)PTRDIFF_MAX;

    constexpr checked() = default;

    // Any integer; negative or > kMax is out of range.
    template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
    constexpr checked(T v) : value_(0), ok_(false) {  // NOLINT: implicit on purpose, reads like plain arithmetic
        if constexpr (std::is_signed_v<T>) {
            if (v < 0) return;
        }
        if ((uint64_t)v > kMax) return;
        value_ = (uint64_t)v;
        ok_ = true;
    }

    constexpr bool ok() const { return ok_; }
    // The value; only meaningful when ok().
    constexpr size_t value() const { return (size_t)value_; }

    friend checked operator*(checked a, checked b) {
        checked r;
        uint64_t p = 0;
        r.ok_ = a.ok_ && b.ok_ && !__builtin_mul_overflow(a.value_, b.value_, &p) && p <= kMax;
        r.value_ = r.ok_ ? p : 0;
        return r;
    }

    friend checked operator+(checked a, checked b) {
        checked r;
        const uint64_t s = a.value_ + b.value_;  // both ≤ 2^63 − 1: cannot wrap uint64
        r.ok_ = a.ok_ && b.ok_ && s <= kMax;
        r.value_ = r.ok_ ? s : 0;
        return r;
    }

    // a − b, out of range when b > a.
    friend checked operator-(checked a, checked b) {
        checked r;
        r.ok_ = a.ok_ && b.ok_ && b.value_ <= a.value_;
        r.value_ = r.ok_ ? a.value_ - b.value_ : 0;
        return r;
    }

private:
    uint64_t value_ = 0;
    bool ok_ = true;
};

// Bytes spanned by n ≥ 1 rows of row_bytes that are stride bytes apart: (n − 1)·stride + row_bytes.
inline checked span_of(checked n, checked stride, checked row_bytes) { return (n - 1) * stride + row_bytes; }

// Whether [p, p + bytes) fits the address space (p + bytes does not wrap).
inline bool fits_address_space(const void* p, size_t bytes) {
    return (uintptr_t)p <= UINTPTR_MAX - bytes;
}

}  // namespace ni
