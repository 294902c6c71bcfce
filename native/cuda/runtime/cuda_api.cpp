// The device half of the CUDA C ABI: devices, buffers, copies, streams and the GEMM launch. Every
// entry point checks its arguments before touching CUDA, makes the right device current for the
// duration of the call (DeviceScope) and turns cudaError_t into ni_status + a message that says
// what is missing when the machine has no usable GPU.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstring>

#include "../core/cuda_error.h"
#include "../marlin/marlin_gemm_checks.h"
#include "../marlin/marlin_host.h"
#include "../marlin/marlin_int4.h"
#include "../marlin/marlin_layout.h"

// A handle either owns its memory / stream (ni_cuda_malloc, ni_cuda_stream_create) or refers to the
// caller's (ni_cuda_buffer_wrap, ni_cuda_stream_wrap), which it never frees, synchronizes or destroys.
struct ni_cuda_buffer {
    void* ptr;
    size_t bytes;
    int32_t device;
    bool owned;
};

struct ni_cuda_stream {
    cudaStream_t stream;
    int32_t device;
    bool owned;
};

namespace {

using ni::cuda::fail;

// Why CUDA cannot be used, as a sentence for the user; `err` is what cudaGetDeviceCount said.
ni_status unavailable(const char* fn, cudaError_t err) {
    int driver = 0;
    cudaDriverGetVersion(&driver);
    cudaGetLastError();  // clear the runtime's non-sticky error state
    if (driver == 0)
        return fail(NI_ERR_UNAVAILABLE,
                    "%s: no NVIDIA driver found (libcuda.so.1 could not be loaded); libnativeinfer_cuda needs an NVIDIA GPU "
                    "with its driver installed",
                    fn);
    if (err == cudaErrorInsufficientDriver)
        return fail(NI_ERR_UNAVAILABLE,
                    "%s: the NVIDIA driver is too old: it supports CUDA %d.%d, libnativeinfer_cuda was built with CUDA %d.%d",
                    fn, driver / 1000, driver % 1000 / 10, CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10);
    if (err == cudaErrorNoDevice)
        return fail(NI_ERR_UNAVAILABLE, "%s: no CUDA device found (the driver, CUDA %d.%d, reports none; check CUDA_VISIBLE_DEVICES)",
                    fn, driver / 1000, driver % 1000 / 10);
    if (err == cudaErrorDevicesUnavailable)
        return fail(NI_ERR_UNAVAILABLE, "%s: every CUDA device is busy or prohibited (compute mode)", fn);
    return fail(NI_ERR_UNAVAILABLE, "%s: CUDA is not usable: cudaGetDeviceCount failed with %s (%s)", fn, cudaGetErrorName(err),
                cudaGetErrorString(err));
}

// A CUDA call that failed after the device was found usable.
ni_status cuda_failed(const char* fn, const char* what, cudaError_t err) {
    cudaGetLastError();
    const ni_status st = err == cudaErrorMemoryAllocation ? NI_ERR_OUT_OF_MEMORY : NI_ERR_INTERNAL;
    return fail(st, "%s: %s failed: %s (%s)", fn, what, cudaGetErrorName(err), cudaGetErrorString(err));
}

// Checks that `device` exists (NI_ERR_UNAVAILABLE when CUDA is not usable at all).
ni_status check_device(const char* fn, int32_t device) {
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess || count == 0) return unavailable(fn, err == cudaSuccess ? cudaErrorNoDevice : err);
    if (device < 0 || device >= count)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: device %d outside [0, %d)", fn, device, count);
    return NI_OK;
}

// Makes `device` current for the lifetime of the scope and restores the caller's afterwards.
class DeviceScope {
public:
    DeviceScope() = default;
    DeviceScope(const DeviceScope&) = delete;
    DeviceScope& operator=(const DeviceScope&) = delete;
    ~DeviceScope() {
        if (switched_) cudaSetDevice(previous_);
    }
    cudaError_t enter(int32_t device) {
        cudaError_t err = cudaGetDevice(&previous_);
        if (err != cudaSuccess) return err;
        if (previous_ == device) return cudaSuccess;
        err = cudaSetDevice(device);
        switched_ = err == cudaSuccess;
        return err;
    }

private:
    int previous_ = 0;
    bool switched_ = false;
};

#define NI_ENTER_DEVICE(scope, device)                                                         \
    do {                                                                                       \
        if (const cudaError_t e_ = (scope).enter(device); e_ != cudaSuccess)                   \
            return cuda_failed(__func__, "making the device current", e_);                      \
    } while (0)

int attribute(cudaDeviceAttr attr, int device) {
    int v = 0;
    if (cudaDeviceGetAttribute(&v, attr, device) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return v;
}

// [offset, offset + bytes) inside the buffer?
bool in_bounds(const ni_cuda_buffer* b, size_t offset, size_t bytes) { return offset <= b->bytes && bytes <= b->bytes - offset; }

ni::marlin::Operand operand(const ni_cuda_buffer* b, size_t offset) { return {b->ptr, b->bytes, b->device, offset}; }

}  // namespace

extern "C" {

// ------------------------------------------------------------------------------------ devices

NI_API ni_status ni_cuda_device_count(int32_t* out_count) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(out_count);
    *out_count = 0;
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess || count == 0) return unavailable(__func__, err == cudaSuccess ? cudaErrorNoDevice : err);
    *out_count = count;
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_device_get_info(int32_t device, ni_cuda_device_info* out_info) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(out_info);
    if (ni_status st = check_device(__func__, device); st != NI_OK) return st;
    ni_cuda_device_info info;
    std::memset(&info, 0, sizeof info);
    info.device = device;
    info.compute_major = attribute(cudaDevAttrComputeCapabilityMajor, device);
    info.compute_minor = attribute(cudaDevAttrComputeCapabilityMinor, device);
    info.sm_count = attribute(cudaDevAttrMultiProcessorCount, device);
    info.memory_clock_khz = attribute(cudaDevAttrMemoryClockRate, device);
    info.memory_bus_width = attribute(cudaDevAttrGlobalMemoryBusWidth, device);
    info.memory_bandwidth = 2 * (int64_t)info.memory_clock_khz * 1000 * info.memory_bus_width / 8;
    info.max_shared_per_block = attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin, device);
    info.marlin_supported = info.compute_major >= 8 ? 1 : 0;
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, device) != cudaSuccess) return cuda_failed(__func__, "cudaGetDeviceProperties", cudaGetLastError());
    info.total_memory = (int64_t)prop.totalGlobalMem;
    std::snprintf(info.name, sizeof info.name, "%s", prop.name);
    *out_info = info;
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_get_versions(int32_t* out_runtime_version, int32_t* out_driver_version) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(out_runtime_version);
    NI_CUDA_CHECK_NOT_NULL(out_driver_version);
    int driver = 0;
    if (cudaDriverGetVersion(&driver) != cudaSuccess) driver = 0;
    cudaGetLastError();
    *out_runtime_version = CUDART_VERSION;
    *out_driver_version = driver;
    return NI_OK;
    NI_CUDA_GUARD_END
}

// ------------------------------------------------------------------------------------ buffers

NI_API ni_status ni_cuda_malloc(int32_t device, size_t bytes, ni_cuda_buffer** out_buffer) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(out_buffer);
    *out_buffer = nullptr;
    if (bytes == 0) return fail(NI_ERR_INVALID_ARGUMENT, "%s: bytes must be > 0", __func__);
    if (ni_status st = check_device(__func__, device); st != NI_OK) return st;
    DeviceScope scope;
    NI_ENTER_DEVICE(scope, device);
    void* ptr = nullptr;
    cudaError_t err = cudaMalloc(&ptr, bytes);
    if (err != cudaSuccess) {
        cudaGetLastError();
        if (err == cudaErrorMemoryAllocation)
            return fail(NI_ERR_OUT_OF_MEMORY, "%s: device %d has no %zu free bytes", __func__, device, bytes);
        return cuda_failed(__func__, "cudaMalloc", err);
    }
    err = cudaMemset(ptr, 0, bytes);
    if (err != cudaSuccess) {
        cudaFree(ptr);
        return cuda_failed(__func__, "cudaMemset", err);
    }
    *out_buffer = new ni_cuda_buffer{ptr, bytes, device, true};
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_buffer_wrap(int32_t device, void* device_pointer, size_t bytes, ni_cuda_buffer** out_buffer) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(out_buffer);
    *out_buffer = nullptr;
    if (ni_status st = ni::marlin::check_wrap(__func__, device, device_pointer, bytes); st != NI_OK) return st;
    if (ni_status st = check_device(__func__, device); st != NI_OK) return st;
    // The pointer must be device memory of that device. CUDA cannot tell how large the allocation is, so
    // `bytes` is the caller's word; every later access is checked against it.
    cudaPointerAttributes attributes;
    std::memset(&attributes, 0, sizeof attributes);
    const cudaError_t err = cudaPointerGetAttributes(&attributes, device_pointer);
    if (err != cudaSuccess) {
        cudaGetLastError();
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: CUDA does not know %p: %s (%s)", __func__, device_pointer, cudaGetErrorName(err),
                    cudaGetErrorString(err));
    }
    if (attributes.type != cudaMemoryTypeDevice && attributes.type != cudaMemoryTypeManaged)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: %p is not device memory (CUDA memory type %d)", __func__, device_pointer, (int)attributes.type);
    if (attributes.device != device)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: %p belongs to device %d, not %d", __func__, device_pointer, attributes.device, device);
    *out_buffer = new ni_cuda_buffer{device_pointer, bytes, device, false};
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_free(ni_cuda_buffer* buffer) {
    NI_CUDA_GUARD_BEGIN
    if (buffer == nullptr) return NI_OK;
    if (!buffer->owned) {  // wrapped: the memory is the caller's
        delete buffer;
        return NI_OK;
    }
    DeviceScope scope;
    const cudaError_t enter = scope.enter(buffer->device);
    const cudaError_t err = enter == cudaSuccess ? cudaFree(buffer->ptr) : enter;
    delete buffer;
    if (err != cudaSuccess) return cuda_failed(__func__, "cudaFree", err);
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_buffer_get_info(const ni_cuda_buffer* buffer, size_t* out_bytes, int32_t* out_device,
                                         void** out_device_pointer) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(buffer);
    if (out_bytes) *out_bytes = buffer->bytes;
    if (out_device) *out_device = buffer->device;
    if (out_device_pointer) *out_device_pointer = buffer->ptr;
    return NI_OK;
    NI_CUDA_GUARD_END
}

// ------------------------------------------------------------------------------------- copies

NI_API ni_status ni_cuda_memcpy_to_device(ni_cuda_stream* stream, ni_cuda_buffer* dst, size_t dst_offset, const void* src,
                                          size_t bytes) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(dst);
    NI_CUDA_CHECK_NOT_NULL(src);
    if (!in_bounds(dst, dst_offset, bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: [%zu, +%zu) leaves the %zu-byte buffer", __func__, dst_offset, bytes, dst->bytes);
    if (stream && stream->device != dst->device)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: the stream is on device %d, the buffer on device %d", __func__, stream->device, dst->device);
    if (bytes == 0) return NI_OK;
    DeviceScope scope;
    NI_ENTER_DEVICE(scope, dst->device);
    char* to = static_cast<char*>(dst->ptr) + dst_offset;
    const cudaError_t err = stream ? cudaMemcpyAsync(to, src, bytes, cudaMemcpyHostToDevice, stream->stream)
                                   : cudaMemcpy(to, src, bytes, cudaMemcpyHostToDevice);
    if (err != cudaSuccess) return cuda_failed(__func__, "cudaMemcpy", err);
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_memcpy_to_host(ni_cuda_stream* stream, void* dst, const ni_cuda_buffer* src, size_t src_offset,
                                        size_t bytes) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(dst);
    NI_CUDA_CHECK_NOT_NULL(src);
    if (!in_bounds(src, src_offset, bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: [%zu, +%zu) leaves the %zu-byte buffer", __func__, src_offset, bytes, src->bytes);
    if (stream && stream->device != src->device)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: the stream is on device %d, the buffer on device %d", __func__, stream->device, src->device);
    if (bytes == 0) return NI_OK;
    DeviceScope scope;
    NI_ENTER_DEVICE(scope, src->device);
    const char* from = static_cast<const char*>(src->ptr) + src_offset;
    const cudaError_t err = stream ? cudaMemcpyAsync(dst, from, bytes, cudaMemcpyDeviceToHost, stream->stream)
                                   : cudaMemcpy(dst, from, bytes, cudaMemcpyDeviceToHost);
    if (err != cudaSuccess) return cuda_failed(__func__, "cudaMemcpy", err);
    return NI_OK;
    NI_CUDA_GUARD_END
}

// ------------------------------------------------------------------------------------ streams

NI_API ni_status ni_cuda_stream_create(int32_t device, ni_cuda_stream** out_stream) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(out_stream);
    *out_stream = nullptr;
    if (ni_status st = check_device(__func__, device); st != NI_OK) return st;
    DeviceScope scope;
    NI_ENTER_DEVICE(scope, device);
    cudaStream_t s = nullptr;
    const cudaError_t err = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
    if (err != cudaSuccess) return cuda_failed(__func__, "cudaStreamCreateWithFlags", err);
    *out_stream = new ni_cuda_stream{s, device, true};
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_stream_wrap(int32_t device, void* cuda_stream, ni_cuda_stream** out_stream) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(out_stream);
    *out_stream = nullptr;
    if (cuda_stream == nullptr)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: cuda_stream is null (the legacy default stream needs no wrapping: pass a NULL ni_cuda_stream)",
                    __func__);
    if (device < 0) return fail(NI_ERR_INVALID_ARGUMENT, "%s: device %d is negative", __func__, device);
    if (ni_status st = check_device(__func__, device); st != NI_OK) return st;
    // A stream of a context that is not current on this thread (another library's, not bound) fails here,
    // rather than at the first launch on it.
    const cudaError_t err = cudaStreamQuery(static_cast<cudaStream_t>(cuda_stream));
    if (err != cudaSuccess && err != cudaErrorNotReady) {
        cudaGetLastError();
        return fail(NI_ERR_INVALID_ARGUMENT,
                    "%s: the stream cannot be used from this thread: %s (%s); is the CUDA context that created it current (ILGPU: "
                    "Accelerator.BindScoped)?",
                    __func__, cudaGetErrorName(err), cudaGetErrorString(err));
    }
    *out_stream = new ni_cuda_stream{static_cast<cudaStream_t>(cuda_stream), device, false};
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_stream_destroy(ni_cuda_stream* stream) {
    NI_CUDA_GUARD_BEGIN
    if (stream == nullptr) return NI_OK;
    if (!stream->owned) {  // wrapped: the stream is the caller's, and so is waiting for it
        delete stream;
        return NI_OK;
    }
    DeviceScope scope;
    cudaError_t err = scope.enter(stream->device);
    if (err == cudaSuccess) err = cudaStreamSynchronize(stream->stream);
    const cudaError_t destroyed = cudaStreamDestroy(stream->stream);
    delete stream;
    if (err != cudaSuccess) return cuda_failed(__func__, "cudaStreamSynchronize", err);
    if (destroyed != cudaSuccess) return cuda_failed(__func__, "cudaStreamDestroy", destroyed);
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_stream_synchronize(ni_cuda_stream* stream) {
    NI_CUDA_GUARD_BEGIN
    if (stream == nullptr) {
        int count = 0;
        const cudaError_t e = cudaGetDeviceCount(&count);
        if (e != cudaSuccess || count == 0) return unavailable(__func__, e == cudaSuccess ? cudaErrorNoDevice : e);
        const cudaError_t err = cudaDeviceSynchronize();
        if (err != cudaSuccess) return cuda_failed(__func__, "cudaDeviceSynchronize", err);
        return NI_OK;
    }
    DeviceScope scope;
    NI_ENTER_DEVICE(scope, stream->device);
    const cudaError_t err = cudaStreamSynchronize(stream->stream);
    if (err != cudaSuccess) return cuda_failed(__func__, "cudaStreamSynchronize (an earlier kernel or copy on it failed)", err);
    return NI_OK;
    NI_CUDA_GUARD_END
}

// --------------------------------------------------------------------------------------- GEMM

NI_API ni_status ni_cuda_marlin_gemm(ni_cuda_stream* stream,
                                     ni_cuda_buffer* c, size_t c_offset, size_t c_row_stride,
                                     const ni_cuda_buffer* a, size_t a_offset, size_t a_row_stride,
                                     const ni_cuda_buffer* b, size_t b_offset,
                                     const ni_cuda_buffer* scales, size_t scales_offset,
                                     ni_cuda_buffer* workspace,
                                     int64_t m, int64_t n, int64_t k, int64_t group_size) {
    NI_CUDA_GUARD_BEGIN
    NI_CUDA_CHECK_NOT_NULL(c);
    NI_CUDA_CHECK_NOT_NULL(a);
    NI_CUDA_CHECK_NOT_NULL(b);
    NI_CUDA_CHECK_NOT_NULL(scales);
    NI_CUDA_CHECK_NOT_NULL(workspace);
    ni::marlin::GemmAddresses addresses;
    if (ni_status st = ni::marlin::check_gemm(__func__, operand(c, c_offset), c_row_stride, operand(a, a_offset), a_row_stride, operand(b, b_offset),
                                              operand(scales, scales_offset), operand(workspace, 0), m, n, k, group_size, &addresses);
        st != NI_OK)
        return st;

    // One device for everything, and one that can run the kernel.
    const int32_t device = c->device;
    if (stream && stream->device != device)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: the stream is on device %d, the buffers on device %d", __func__, stream->device, device);
    if (ni_status st = check_device(__func__, device); st != NI_OK) return st;
    const int major = attribute(cudaDevAttrComputeCapabilityMajor, device);
    if (major < 8)
        return fail(NI_ERR_UNAVAILABLE, "%s: device %d has compute capability %d.%d; the int4 GEMM needs 8.0 or newer (tensor-core mma.m16n8k16, cp.async)",
                    __func__, device, major, attribute(cudaDevAttrComputeCapabilityMinor, device));

    DeviceScope scope;
    NI_ENTER_DEVICE(scope, device);
    ni::marlin::GemmArgs args;
    args.a = addresses.a;
    args.a_row_stride = a_row_stride;
    args.b = addresses.b;
    args.scales = addresses.scales;
    args.c = addresses.c;
    args.c_row_stride = c_row_stride;
    args.workspace = addresses.workspace;
    args.m = m;
    args.n = n;
    args.k = k;
    args.group_size = group_size;
    args.sm_count = attribute(cudaDevAttrMultiProcessorCount, device);
    args.max_shared_optin = attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin, device);
    args.stream = stream ? stream->stream : nullptr;
    if (args.sm_count <= 0) return fail(NI_ERR_INTERNAL, "%s: device %d reports %d SMs", __func__, device, args.sm_count);

    cudaError_t err = cudaSuccess;
    const int status = ni::marlin::marlin_int4_gemm(args, &err);
    switch (status) {
        case ni::marlin::kLaunchOk: return NI_OK;
        case ni::marlin::kLaunchNoTile:
            return fail(NI_ERR_SHAPE, "%s: %s (M = %lld, N = %lld, K = %lld, group %lld)", __func__, ni::marlin::launch_status_message(status),
                        (long long)m, (long long)n, (long long)k, (long long)group_size);
        case ni::marlin::kLaunchSharedMemory:
            return fail(NI_ERR_UNAVAILABLE, "%s: %s (device %d allows %d bytes)", __func__, ni::marlin::launch_status_message(status), device,
                        args.max_shared_optin);
        case ni::marlin::kLaunchCudaError:
            return cuda_failed(__func__, ni::marlin::launch_status_message(status), err);
        default:
            return fail(NI_ERR_INTERNAL, "%s: launcher returned %d: %s", __func__, status, ni::marlin::launch_status_message(status));
    }
    NI_CUDA_GUARD_END
}

}  // extern "C"
