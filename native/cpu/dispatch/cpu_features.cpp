#include "cpu_features.h"

#include <cstdlib>
#include <cstring>
#include <thread>

#include "../core/error.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace ni {
namespace {

#if defined(__x86_64__)
uint64_t read_xcr0() {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}
#endif

cpu_features probe() {
    cpu_features f;
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    const bool osxsave = c & bit_OSXSAVE;
    const bool fma = c & bit_FMA, f16c = c & bit_F16C, avx = c & bit_AVX;
    const uint64_t xcr0 = osxsave ? read_xcr0() : 0;
    const bool os_avx = (xcr0 & 0x6) == 0x6;            // XMM and YMM state
    const bool os_avx512 = (xcr0 & 0xE6) == 0xE6;       // + opmask, ZMM_Hi256, Hi16_ZMM
    if (fma) f.bits |= NI_CPU_FMA;
    if (f16c) f.bits |= NI_CPU_F16C;
    if (os_avx512) f.bits |= NI_CPU_OS_AVX512;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        if ((b & bit_AVX2) && avx && os_avx) f.bits |= NI_CPU_AVX2;
        if (b & bit_AVX512F) f.bits |= NI_CPU_AVX512F;
        if (b & bit_AVX512BW) f.bits |= NI_CPU_AVX512BW;
        if (b & bit_AVX512DQ) f.bits |= NI_CPU_AVX512DQ;
        if (b & bit_AVX512VL) f.bits |= NI_CPU_AVX512VL;
        if (c & bit_AVX512VNNI) f.bits |= NI_CPU_AVX512_VNNI;
        if (c & bit_AVX512VBMI) f.bits |= NI_CPU_AVX512_VBMI;
    }
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) {
        if (a & (1u << 5)) f.bits |= NI_CPU_AVX512_BF16;
    }
    unsigned max_ext = __get_cpuid_max(0x80000000, nullptr);
    if (max_ext >= 0x80000004) {
        unsigned regs[12];
        for (unsigned i = 0; i < 3; ++i)
            __get_cpuid(0x80000002 + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
        std::memcpy(f.brand, regs, 48);
        f.brand[48] = '\0';
    }
#endif
    const uint32_t avx2_set = NI_CPU_AVX2 | NI_CPU_FMA | NI_CPU_F16C;
    const uint32_t avx512_set = avx2_set | NI_CPU_AVX512F | NI_CPU_AVX512BW | NI_CPU_AVX512DQ |
                                NI_CPU_AVX512VL | NI_CPU_OS_AVX512;
    f.best_isa = NI_ISA_SCALAR;
#if defined(NI_HAVE_X86_KERNELS)
    if ((f.bits & avx2_set) == avx2_set) f.best_isa = NI_ISA_AVX2;
    if ((f.bits & avx512_set) == avx512_set) f.best_isa = NI_ISA_AVX512;
    if ((f.bits & avx512_set) == avx512_set && (f.bits & NI_CPU_AVX512_VNNI)) f.best_isa = NI_ISA_AVX512_VNNI;
#else
    (void)avx2_set; (void)avx512_set;
#endif
    // Trim trailing spaces some vendors pad the brand string with.
    for (int i = (int)std::strlen(f.brand) - 1; i >= 0 && f.brand[i] == ' '; --i) f.brand[i] = '\0';
    return f;
}

}  // namespace

const cpu_features& detect_cpu() {
    static const cpu_features features = probe();
    return features;
}

bool isa_supported(int isa) { return isa >= NI_ISA_SCALAR && isa <= detect_cpu().best_isa; }

int env_isa_override(const char** raw_value) {
    const char* v = std::getenv("NATIVEINFER_ISA");
    if (raw_value) *raw_value = v;
    if (!v || !*v) return -1;
    for (int isa = NI_ISA_SCALAR; isa <= NI_ISA_AVX512_VNNI; ++isa)
        if (std::strcmp(v, ni_isa_name(isa)) == 0) return isa;
    if (std::strcmp(v, "auto") == 0) return -1;
    return -2;
}

ni_status resolve_isa(int requested, int* resolved) {
    int isa = requested;
    if (requested == NI_ISA_AUTO) {
        const char* raw = nullptr;
        const int env = env_isa_override(&raw);
        if (env == -2)
            return fail(NI_ERR_UNSUPPORTED_ISA,
                        "NATIVEINFER_ISA='%s' is not one of auto, scalar, avx2, avx512, avx512_vnni", raw);
        isa = env >= 0 ? env : detect_cpu().best_isa;
        if (!isa_supported(isa))
            return fail(NI_ERR_UNSUPPORTED_ISA, "NATIVEINFER_ISA='%s' asks for an instruction set this CPU lacks (best: %s)",
                        raw, ni_isa_name(detect_cpu().best_isa));
    } else if (requested < NI_ISA_SCALAR || requested > NI_ISA_AVX512_VNNI) {
        return fail(NI_ERR_INVALID_ARGUMENT, "unknown ISA id %d", requested);
    } else if (!isa_supported(requested)) {
        return fail(NI_ERR_UNSUPPORTED_ISA, "ISA %s is not supported on this CPU (best: %s)",
                    ni_isa_name(requested), ni_isa_name(detect_cpu().best_isa));
    }
    *resolved = isa;
    return NI_OK;
}

}  // namespace ni

extern "C" {

NI_API const char* ni_isa_name(int32_t isa) {
    switch (isa) {
        case NI_ISA_AUTO: return "auto";
        case NI_ISA_SCALAR: return "scalar";
        case NI_ISA_AVX2: return "avx2";
        case NI_ISA_AVX512: return "avx512";
        case NI_ISA_AVX512_VNNI: return "avx512_vnni";
        default: return "unknown";
    }
}

NI_API ni_status ni_cpu_get_info(ni_cpu_info* out) {
    NI_GUARD_BEGIN
    NI_CHECK_NOT_NULL(out);
    const ni::cpu_features& f = ni::detect_cpu();
    std::memset(out, 0, sizeof *out);
    out->features = f.bits;
    out->best_isa = f.best_isa;
    const char* raw = nullptr;
    const int env = ni::env_isa_override(&raw);
    out->env_override = env >= 0 ? env : -1;
    out->logical_cpus = (int32_t)std::thread::hardware_concurrency();
    std::memcpy(out->brand, f.brand, sizeof out->brand);
    int resolved = 0;
    ni_status st = ni::resolve_isa(NI_ISA_AUTO, &resolved);
    out->auto_isa = st == NI_OK ? resolved : f.best_isa;
    return st;
    NI_GUARD_END
}

}  // extern "C"
