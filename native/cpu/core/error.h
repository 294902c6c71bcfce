// Thread-local error reporting and the guard that keeps C++ exceptions inside the library.
#pragma once
#include <exception>
#include <new>

#include "nativeinfer.h"

namespace ni {

// Records a printf-style message for ni_last_error() on this thread and returns `status`.
ni_status fail(ni_status status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// Clears this thread's message (called on entry of every public function).
void clear_error();

}  // namespace ni

// Wraps the body of every exported function: nothing thrown inside can reach the caller.
#define NI_GUARD_BEGIN try { ni::clear_error();
#define NI_GUARD_END                                                                      \
    } catch (const std::bad_alloc&) {                                                     \
        return ni::fail(NI_ERR_OUT_OF_MEMORY, "%s: out of memory", __func__);              \
    } catch (const std::exception& e) {                                                   \
        return ni::fail(NI_ERR_INTERNAL, "%s: internal error: %s", __func__, e.what());    \
    } catch (...) {                                                                       \
        return ni::fail(NI_ERR_INTERNAL, "%s: internal error (unknown exception)", __func__); \
    }

// Early-return helpers for argument checks; each names the function and the argument.
#define NI_CHECK_NOT_NULL(p)                                                              \
    do { if ((p) == nullptr) return ni::fail(NI_ERR_INVALID_ARGUMENT, "%s: %s is null", __func__, #p); } while (0)
#define NI_CHECK_POSITIVE(v)                                                              \
    do { if ((v) <= 0) return ni::fail(NI_ERR_INVALID_ARGUMENT, "%s: %s must be > 0 (got %lld)", __func__, #v, (long long)(v)); } while (0)
