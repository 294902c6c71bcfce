#include "error.h"

#include <cstdarg>
#include <cstdio>
#include <exception>
#include <new>

namespace {
thread_local char t_last_error[512];
}

namespace ni {

ni_status fail(ni_status status, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(t_last_error, sizeof t_last_error, fmt, args);
    va_end(args);
    return status;
}

void clear_error() { t_last_error[0] = '\0'; }

}  // namespace ni

extern "C" {

NI_API uint32_t ni_abi_version(void) { return NI_ABI_VERSION; }

NI_API const char* ni_last_error(void) { return t_last_error; }

NI_API const char* ni_status_name(int32_t status) {
    switch (status) {
        case NI_OK: return "NI_OK";
        case NI_ERR_INVALID_ARGUMENT: return "NI_ERR_INVALID_ARGUMENT";
        case NI_ERR_UNSUPPORTED_TYPE: return "NI_ERR_UNSUPPORTED_TYPE";
        case NI_ERR_SHAPE: return "NI_ERR_SHAPE";
        case NI_ERR_OUT_OF_MEMORY: return "NI_ERR_OUT_OF_MEMORY";
        case NI_ERR_UNSUPPORTED_ISA: return "NI_ERR_UNSUPPORTED_ISA";
        case NI_ERR_INTERNAL: return "NI_ERR_INTERNAL";
        case NI_ERR_UNAVAILABLE: return "NI_ERR_UNAVAILABLE";
        case NI_ERR_SYSTEM: return "NI_ERR_SYSTEM";
        default: return "NI_ERR_UNKNOWN";
    }
}

}  // extern "C"
