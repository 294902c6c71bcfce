#include "cuda_error.h"

#include <cstdarg>
#include <cstdio>

namespace {
thread_local char t_last_error[512];
}

namespace ni::cuda {

ni_status fail(ni_status status, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(t_last_error, sizeof t_last_error, fmt, args);
    va_end(args);
    return status;
}

void clear_error() { t_last_error[0] = '\0'; }

}  // namespace ni::cuda

extern "C" {

NI_API uint32_t ni_cuda_abi_version(void) { return NI_ABI_VERSION; }

NI_API const char* ni_cuda_last_error(void) { return t_last_error; }

}  // extern "C"
