// Thread-local error reporting for libnativeinfer_cuda, the same contract as native/cpu/core/error.h
// (message per thread, guard that keeps C++ exceptions inside) with its own buffer, read through
// ni_cuda_last_error(). The CUDA library is a separate shared object that does not link
// libnativeinfer, so it cannot write into that library's ni_last_error(); the namespace differs so
// that tests may link both static archives into one executable.
#pragma once
#include "common/error_state.h"

namespace ni::cuda {

// Records a printf-style message for ni_cuda_last_error() on this thread and returns `status`.
ni_status fail(ni_status status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// Clears this thread's message (called on entry of every public function).
void clear_error();

}  // namespace ni::cuda

// Wraps the body of every exported function: nothing thrown inside can reach the caller.
#define NI_CUDA_GUARD_BEGIN try { ni::cuda::clear_error();
#define NI_CUDA_GUARD_END NI_GUARD_END_WITH(ni::cuda::fail, "out of host memory")

#define NI_CUDA_CHECK_NOT_NULL(p) NI_CHECK_NOT_NULL_WITH(ni::cuda::fail, p)
#define NI_CUDA_CHECK_POSITIVE(v) NI_CHECK_POSITIVE_WITH(ni::cuda::fail, v)
