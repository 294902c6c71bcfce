// The error contract both native libraries keep (nativeinfer.h): a printf-style message per thread,
// cleared on entry of every exported function, and a guard that keeps every C++ exception inside the
// library. One implementation; each library instantiates the buffer with its own tag, because the two
// shared objects (libnativeinfer, libnativeinfer_cuda) do not link each other and each answers its own
// ni_last_error() / ni_cuda_last_error().
#pragma once
#include <cstdarg>
#include <cstdio>
#include <exception>
#include <new>

#include "nativeinfer.h"

namespace ni {

template <typename Library>
class error_state {
public:
    static const char* message() { return buffer_; }
    static void clear() { buffer_[0] = '\0'; }
    static ni_status record(ni_status status, const char* fmt, va_list args) {
        std::vsnprintf(buffer_, sizeof buffer_, fmt, args);
        return status;
    }

private:
    static inline thread_local char buffer_[512];
};

}  // namespace ni

// The end of an exported function's guard: `fail` records the message (ni::fail or ni::cuda::fail),
// `oom` says what ran out.
#define NI_GUARD_END_WITH(fail, oom)                                                           \
    } catch (const std::bad_alloc&) {                                                          \
        return fail(NI_ERR_OUT_OF_MEMORY, "%s: " oom, __func__);                               \
    } catch (const std::exception& e) {                                                        \
        return fail(NI_ERR_INTERNAL, "%s: internal error: %s", __func__, e.what());            \
    } catch (...) {                                                                            \
        return fail(NI_ERR_INTERNAL, "%s: internal error (unknown exception)", __func__);      \
    }

// Early-return argument checks; each names the function and the argument.
#define NI_CHECK_NOT_NULL_WITH(fail, p)                                                        \
    do { if ((p) == nullptr) return fail(NI_ERR_INVALID_ARGUMENT, "%s: %s is null", __func__, #p); } while (0)
#define NI_CHECK_POSITIVE_WITH(fail, v)                                                        \
    do { if ((v) <= 0) return fail(NI_ERR_INVALID_ARGUMENT, "%s: %s must be > 0 (got %lld)", __func__, #v, (long long)(v)); } while (0)
