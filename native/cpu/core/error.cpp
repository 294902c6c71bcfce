#include "error.h"

#include <cstdarg>

namespace {
struct cpu_library;  // the tag of this library's message buffer
using errors = ni::error_state<cpu_library>;
}  // namespace

namespace ni {

ni_status fail(ni_status status, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    errors::record(status, fmt, args);
    va_end(args);
    return status;
}

void clear_error() { errors::clear(); }

}  // namespace ni

extern "C" {

NI_API uint32_t ni_abi_version(void) { return NI_ABI_VERSION; }

NI_API const char* ni_last_error(void) { return errors::message(); }

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
