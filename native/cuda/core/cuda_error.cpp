#include "cuda_error.h"

#include <cstdarg>

namespace {
struct cuda_library;  // the tag of this library's message buffer (apart from libnativeinfer's)
using errors = ni::error_state<cuda_library>;
}  // namespace

namespace ni::cuda {

ni_status fail(ni_status status, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    errors::record(status, fmt, args);
    va_end(args);
    return status;
}

void clear_error() { errors::clear(); }

}  // namespace ni::cuda

extern "C" {

NI_API uint32_t ni_cuda_abi_version(void) { return NI_ABI_VERSION; }

NI_API const char* ni_cuda_last_error(void) { return errors::message(); }

}  // extern "C"
