// CPUID-based feature detection and the NATIVEINFER_ISA override. Read once, immutable.
#pragma once
#include "nativeinfer.h"

namespace ni {

struct cpu_features {
    uint32_t bits = 0;       // NI_CPU_* flags
    int best_isa = NI_ISA_SCALAR;
    char brand[64] = {};
};

const cpu_features& detect_cpu();

// Highest ISA this CPU and this build can run.
bool isa_supported(int isa);

// Resolves NI_ISA_AUTO through the environment override; checks support. Returns NI_OK or an
// error status with ni_last_error() set.
ni_status resolve_isa(int requested, int* resolved);

// The ISA named by NATIVEINFER_ISA: -1 when unset; -2 when set to an unknown name.
int env_isa_override(const char** raw_value);

}  // namespace ni
