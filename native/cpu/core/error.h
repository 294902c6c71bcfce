// Thread-local error reporting and the guard that keeps C++ exceptions inside the library
// (../../common/error_state.h, shared with the CUDA library).
#pragma once
#include "common/error_state.h"

namespace ni {

// Records a printf-style message for ni_last_error() on this thread and returns `status`.
ni_status fail(ni_status status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// Clears this thread's message (called on entry of every public function).
void clear_error();

}  // namespace ni

// Wraps the body of every exported function: nothing thrown inside can reach the caller.
#define NI_GUARD_BEGIN try { ni::clear_error();
#define NI_GUARD_END NI_GUARD_END_WITH(ni::fail, "out of memory")

// Early-return helpers for argument checks; each names the function and the argument.
#define NI_CHECK_NOT_NULL(p) NI_CHECK_NOT_NULL_WITH(ni::fail, p)
#define NI_CHECK_POSITIVE(v) NI_CHECK_POSITIVE_WITH(ni::fail, v)
