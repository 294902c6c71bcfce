// Thread-local error reporting for libnativeinfer_cuda, the same contract as native/cpu/core/error.h
// (message per thread, guard that keeps C++ exceptions inside) with its own buffer, read through
// ni_cuda_last_error(). The CUDA library is a separate shared object that does not link
// libnativeinfer, so it cannot write into that library's ni_last_error(); the namespace differs so
// that tests may link both static archives into one executable.
#pragma once
#include <exception>
#include <new>

#include "nativeinfer.h"

namespace ni::cuda {

// Records a printf-style message for ni_cuda_last_error() on this thread and returns `status`.
ni_status fail(ni_status status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// Clears this thread's message (called on entry of every public function).
void clear_error();

}  // namespace ni::cuda

// Wraps the body of every exported function: nothing thrown inside can reach the caller.
#define NI_CUDA_GUARD_BEGIN try { ni::cuda::clear_error();
#define NI_CUDA_GUARD_END                                                                       \
    } catch (const std::bad_alloc&) {                                                           \
        return ni::cuda::fail(NI_ERR_OUT_OF_MEMORY, "%s: out of host memory", __func__);         \
    } catch (const std::exception& e) {                                                         \
        return ni::cuda::fail(NI_ERR_INTERNAL, "%s: internal error: %s", __func__, e.what());    \
    } catch (...) {                                                                             \
        return ni::cuda::fail(NI_ERR_INTERNAL, "%s: internal error (unknown exception)", __func__); \
    }

#define NI_CUDA_CHECK_NOT_NULL(p)                                                               \
    do { if ((p) == nullptr) return ni::cuda::fail(NI_ERR_INVALID_ARGUMENT, "%s: %s is null", __func__, #p); } while (0)
#define NI_CUDA_CHECK_POSITIVE(v)                                                               \
    do { if ((v) <= 0) return ni::cuda::fail(NI_ERR_INVALID_ARGUMENT, "%s: %s must be > 0 (got %lld)", __func__, #v, (long long)(v)); } while (0)
