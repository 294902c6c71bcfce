// The device half of the CUDA C ABI: devices, buffers, copies, streams and the GEMM launch. Every
// entry point checks its arguments before touching CUDA, makes the right device current for the
// duration of the call (DeviceScope) and turns cudaError_t into ni_status + a message that says
// what is missing when the machine has no usable GPU.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstring>

#include "../core/cuda_error.h"
#include "../marlin/marlin_host.h"
#include "../marlin/marlin_int4.h"
#include "../marlin/marlin_layout.h"

struct ni_cuda_buffer {
    void* ptr;
    size_t bytes;
    int32_t device;
};

struct ni_cuda_stream {
    cudaStream_t stream;
    int32_t device;
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

bool overlaps(const ni_cuda_buffer* x, size_t xo, size_t xb, const ni_cuda_buffer* y, size_t yo, size_t yb) {
    if (x->ptr != y->ptr) return false;
    return xo < yo + yb && yo < xo + xb;
}

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
    *out_buffer = new ni_cuda_buffer{ptr, bytes, device};
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_free(ni_cuda_buffer* buffer) {
    NI_CUDA_GUARD_BEGIN
    if (buffer == nullptr) return NI_OK;
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
    *out_stream = new ni_cuda_stream{s, device};
    return NI_OK;
    NI_CUDA_GUARD_END
}

NI_API ni_status ni_cuda_stream_destroy(ni_cuda_stream* stream) {
    NI_CUDA_GUARD_BEGIN
    if (stream == nullptr) return NI_OK;
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
    NI_CUDA_CHECK_POSITIVE(m);
    if (ni_status st = ni::marlin::check_shape(__func__, n, k, group_size); st != NI_OK) return st;
    if (m > (int64_t)1 << 30) return fail(NI_ERR_SHAPE, "%s: M = %lld is too large (≤ 2^30)", __func__, (long long)m);

    // Strides, offsets, alignment.
    if (a_row_stride < (size_t)k * 2 || a_row_stride % 16 != 0 || a_offset % 16 != 0)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: a_row_stride (%zu) must be ≥ 2K = %lld and a multiple of 16, a_offset (%zu) a multiple of 16",
                    __func__, a_row_stride, (long long)(2 * k), a_offset);
    if (c_row_stride < (size_t)n * 2 || c_row_stride % 4 != 0 || c_offset % 4 != 0)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: c_row_stride (%zu) must be ≥ 2N = %lld and a multiple of 4, c_offset (%zu) a multiple of 4",
                    __func__, c_row_stride, (long long)(2 * n), c_offset);
    if (b_offset % 16 != 0 || scales_offset % 16 != 0)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: b_offset (%zu) and scales_offset (%zu) must be multiples of 16", __func__, b_offset, scales_offset);

    // Every access inside its buffer.
    const size_t a_bytes = (size_t)(m - 1) * a_row_stride + (size_t)k * 2;
    const size_t c_bytes = (size_t)(m - 1) * c_row_stride + (size_t)n * 2;
    const size_t b_bytes = (size_t)(k * n / 2);
    const size_t s_bytes = (size_t)(k / group_size * n * 2);
    const size_t w_bytes = (size_t)ni::marlin::workspace_bytes(n);
    if (!in_bounds(a, a_offset, a_bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: A [%lld][%lld] at offset %zu needs %zu bytes, the buffer has %zu", __func__, (long long)m,
                    (long long)k, a_offset, a_bytes, a->bytes);
    if (!in_bounds(c, c_offset, c_bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: C [%lld][%lld] at offset %zu needs %zu bytes, the buffer has %zu", __func__, (long long)m,
                    (long long)n, c_offset, c_bytes, c->bytes);
    if (!in_bounds(b, b_offset, b_bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: packed B at offset %zu needs %zu bytes, the buffer has %zu", __func__, b_offset, b_bytes, b->bytes);
    if (!in_bounds(scales, scales_offset, s_bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: packed scales at offset %zu need %zu bytes, the buffer has %zu", __func__, scales_offset, s_bytes,
                    scales->bytes);
    if (workspace->bytes < w_bytes)
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: the workspace has %zu bytes, N = %lld needs %zu (ni_cuda_marlin_workspace_size)", __func__,
                    workspace->bytes, (long long)n, w_bytes);
    if (overlaps(c, c_offset, c_bytes, a, a_offset, a_bytes) || overlaps(c, c_offset, c_bytes, b, b_offset, b_bytes) ||
        overlaps(c, c_offset, c_bytes, scales, scales_offset, s_bytes) || overlaps(c, c_offset, c_bytes, workspace, 0, w_bytes))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: C overlaps an input or the workspace", __func__);

    // One device for everything, and one that can run the kernel.
    const int32_t device = c->device;
    if (a->device != device || b->device != device || scales->device != device || workspace->device != device ||
        (stream && stream->device != device))
        return fail(NI_ERR_INVALID_ARGUMENT, "%s: the buffers and the stream must be on one device", __func__);
    if (ni_status st = check_device(__func__, device); st != NI_OK) return st;
    const int major = attribute(cudaDevAttrComputeCapabilityMajor, device);
    if (major < 8)
        return fail(NI_ERR_UNAVAILABLE, "%s: device %d has compute capability %d.%d; the int4 GEMM needs 8.0 or newer (tensor-core mma.m16n8k16, cp.async)",
                    __func__, device, major, attribute(cudaDevAttrComputeCapabilityMinor, device));

    DeviceScope scope;
    NI_ENTER_DEVICE(scope, device);
    ni::marlin::GemmArgs args;
    args.a = static_cast<const char*>(a->ptr) + a_offset;
    args.a_row_stride = a_row_stride;
    args.b = static_cast<const char*>(b->ptr) + b_offset;
    args.scales = static_cast<const char*>(scales->ptr) + scales_offset;
    args.c = static_cast<char*>(c->ptr) + c_offset;
    args.c_row_stride = c_row_stride;
    args.workspace = workspace->ptr;
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
