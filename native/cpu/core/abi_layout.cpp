// ni_abi_struct_layout: sizes and field offsets of the public structs, so bindings in other
// languages can check their mirrors instead of trusting them.
#include <cstddef>

#include "error.h"

namespace {

template <size_t N>
ni_status answer(const size_t (&offsets)[N], size_t size, int32_t field, size_t* out_size, size_t* out_offset) {
    if (field < 0 || (size_t)field >= N)
        return ni::fail(NI_ERR_INVALID_ARGUMENT, "ni_abi_struct_layout: field_index %d outside [0, %zu)", field, N);
    if (out_size) *out_size = size;
    if (out_offset) *out_offset = offsets[field];
    return NI_OK;
}

}  // namespace

extern "C" NI_API ni_status ni_abi_struct_layout(int32_t which, int32_t field_index, size_t* out_size, size_t* out_offset) {
    NI_GUARD_BEGIN
    switch (which) {
        case NI_STRUCT_TYPE_INFO: {
            static const size_t o[] = {offsetof(ni_type_info, type), offsetof(ni_type_info, block_size),
                                       offsetof(ni_type_info, block_bytes), offsetof(ni_type_info, activation_type),
                                       offsetof(ni_type_info, is_weight_type), offsetof(ni_type_info, name)};
            return answer(o, sizeof(ni_type_info), field_index, out_size, out_offset);
        }
        case NI_STRUCT_CPU_INFO: {
            static const size_t o[] = {offsetof(ni_cpu_info, features), offsetof(ni_cpu_info, best_isa),
                                       offsetof(ni_cpu_info, auto_isa), offsetof(ni_cpu_info, env_override),
                                       offsetof(ni_cpu_info, logical_cpus), offsetof(ni_cpu_info, reserved),
                                       offsetof(ni_cpu_info, brand)};
            return answer(o, sizeof(ni_cpu_info), field_index, out_size, out_offset);
        }
        case NI_STRUCT_MOE_WEIGHTS: {
            static const size_t o[] = {offsetof(ni_moe_weights, gate), offsetof(ni_moe_weights, up),
                                       offsetof(ni_moe_weights, down), offsetof(ni_moe_weights, gate_type),
                                       offsetof(ni_moe_weights, up_type), offsetof(ni_moe_weights, down_type),
                                       offsetof(ni_moe_weights, reserved), offsetof(ni_moe_weights, n_experts),
                                       offsetof(ni_moe_weights, hidden), offsetof(ni_moe_weights, ffn)};
            return answer(o, sizeof(ni_moe_weights), field_index, out_size, out_offset);
        }
        default:
            return ni::fail(NI_ERR_INVALID_ARGUMENT, "ni_abi_struct_layout: unknown struct id %d", which);
    }
    NI_GUARD_END
}
