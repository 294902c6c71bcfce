// ni_memory_*: how the pages of memory-mapped weights are backed and when they are read in. Decode
// streams every weight byte once per token, so the mapping's page size and whether its pages are
// already resident decide how close a pass gets to the memory bandwidth (docs/benchmarks.md).
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "../core/error.h"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#define NI_POSIX_MEMORY 1
#elif defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#endif

namespace {

constexpr uint32_t kKnownFlags = NI_MEMORY_HUGE_PAGES | NI_MEMORY_POPULATE | NI_MEMORY_LOCK;

size_t page_size() {
#if defined(NI_POSIX_MEMORY)
    static const size_t size = (size_t)sysconf(_SC_PAGESIZE);
    return size;
#elif defined(_WIN32)
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return info.dwPageSize;
#else
    return 4096;
#endif
}

// The page-aligned span covering [data, data + bytes).
struct page_span {
    char* start;
    size_t length;
};

page_span widen_to_pages(const void* data, size_t bytes) {
    const size_t page = page_size();
    const uintptr_t begin = (uintptr_t)data & ~(uintptr_t)(page - 1);
    const uintptr_t end = ((uintptr_t)data + bytes + page - 1) & ~(uintptr_t)(page - 1);
    return {(char*)begin, (size_t)(end - begin)};
}

#if defined(NI_POSIX_MEMORY)

// Counts resident pages with mincore in fixed pieces (no allocation sized by the caller's range);
// fails with ENOMEM when part of the span is not mapped, which also guards the touch fallback below.
ni_status count_resident(page_span span, size_t* out_resident, const char* fn) {
    constexpr size_t kPagesPerQuery = 16384;
#if defined(__APPLE__)
    char vec[kPagesPerQuery];
#else
    unsigned char vec[kPagesPerQuery];
#endif
    const size_t page = page_size();
    size_t resident = 0;
    for (size_t at = 0; at < span.length; at += kPagesPerQuery * page) {
        const size_t len = span.length - at < kPagesPerQuery * page ? span.length - at : kPagesPerQuery * page;
        if (mincore(span.start + at, len, vec) != 0)
            return ni::fail(errno == ENOMEM ? NI_ERR_INVALID_ARGUMENT : NI_ERR_SYSTEM,
                            "%s: mincore(%p, %zu) failed: %s (the range must lie inside one mapping)", fn,
                            (void*)(span.start + at), len, std::strerror(errno));
        for (size_t i = 0; i < len / page; ++i) resident += (vec[i] & 1) ? page : 0;
    }
    if (out_resident) *out_resident = resident;
    return NI_OK;
}

#if defined(__linux__)
// Huge-page bytes (FilePmdMapped + AnonHugePages) of the mappings that overlap the span.
size_t huge_bytes_of_mappings(page_span span) {
    FILE* f = std::fopen("/proc/self/smaps", "re");
    if (!f) return 0;
    const uintptr_t lo = (uintptr_t)span.start, hi = lo + span.length;
    bool inside = false;
    size_t kb_total = 0;
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
        uintptr_t a = 0, b = 0;
        size_t kb = 0;
        // A mapping's header is "start-end perms ..."; its fields follow until the next header.
        if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &a, &b) == 2 && std::strchr(line, '-') < std::strchr(line, ' ')) {
            inside = a < hi && b > lo;
        } else if (inside && (std::sscanf(line, "FilePmdMapped: %zu kB", &kb) == 1 || std::sscanf(line, "AnonHugePages: %zu kB", &kb) == 1)) {
            kb_total += kb;
        }
    }
    std::fclose(f);
    return kb_total * 1024;
}
#endif

ni_status populate(page_span span, const char* fn) {
#if defined(__linux__) && defined(MADV_POPULATE_READ)
    if (madvise(span.start, span.length, MADV_POPULATE_READ) == 0) return NI_OK;
    if (errno != EINVAL)  // EINVAL: a kernel before 5.14; read the pages by hand below
        return ni::fail(NI_ERR_SYSTEM, "%s: madvise(MADV_POPULATE_READ, %zu bytes) failed: %s", fn, span.length,
                        std::strerror(errno));
#endif
    // One read per page faults it in (with the kernel's read-ahead); volatile keeps the reads.
    const size_t page = page_size();
    unsigned char sink = 0;
    for (size_t at = 0; at < span.length; at += page) sink ^= *(volatile const unsigned char*)(span.start + at);
    (void)sink;
    return NI_OK;
}

#endif  // NI_POSIX_MEMORY

}  // namespace

extern "C" {

NI_API ni_status ni_memory_prepare(const void* data, size_t bytes, uint32_t flags, uint32_t* out_applied) {
    NI_GUARD_BEGIN
    if (out_applied) *out_applied = 0;
    NI_CHECK_NOT_NULL(data);
    NI_CHECK_POSITIVE(bytes);
    if (flags & ~kKnownFlags)
        return ni::fail(NI_ERR_INVALID_ARGUMENT, "%s: unknown flags 0x%x (known: NI_MEMORY_HUGE_PAGES | NI_MEMORY_POPULATE | NI_MEMORY_LOCK)",
                        __func__, flags & ~kKnownFlags);
    const page_span span = widen_to_pages(data, bytes);
    uint32_t applied = 0;
#if defined(NI_POSIX_MEMORY)
    // Checks that the whole span is mapped before any advice or read touches it.
    ni_status st = count_resident(span, nullptr, __func__);
    if (st != NI_OK) return st;
#if defined(__linux__)
    if ((flags & NI_MEMORY_HUGE_PAGES) && madvise(span.start, span.length, MADV_HUGEPAGE) == 0) applied |= NI_MEMORY_HUGE_PAGES;
#endif
    if (flags & NI_MEMORY_POPULATE) {
        st = populate(span, __func__);
        if (st != NI_OK) return st;
        applied |= NI_MEMORY_POPULATE;
    }
    if (flags & NI_MEMORY_LOCK) {
        if (mlock(span.start, span.length) != 0) {
            const int err = errno;
            struct rlimit limit {};
            getrlimit(RLIMIT_MEMLOCK, &limit);
            return ni::fail(NI_ERR_SYSTEM, "%s: mlock of %zu bytes failed: %s (RLIMIT_MEMLOCK is %s%llu bytes; raise it with `ulimit -l` or LimitMEMLOCK=)",
                            __func__, span.length, std::strerror(err), limit.rlim_cur == RLIM_INFINITY ? "unlimited, " : "",
                            limit.rlim_cur == RLIM_INFINITY ? 0ULL : (unsigned long long)limit.rlim_cur);
        }
        applied |= NI_MEMORY_LOCK;
    }
#elif defined(_WIN32)
    if (flags & NI_MEMORY_POPULATE) {
        WIN32_MEMORY_RANGE_ENTRY entry{span.start, span.length};
        if (!PrefetchVirtualMemory(GetCurrentProcess(), 1, &entry, 0))
            return ni::fail(NI_ERR_SYSTEM, "%s: PrefetchVirtualMemory failed (error %lu)", __func__, GetLastError());
        applied |= NI_MEMORY_POPULATE;
    }
    if (flags & NI_MEMORY_LOCK) {
        if (!VirtualLock(span.start, span.length))
            return ni::fail(NI_ERR_SYSTEM, "%s: VirtualLock of %zu bytes failed (error %lu; the working-set quota limits it)", __func__,
                            span.length, GetLastError());
        applied |= NI_MEMORY_LOCK;
    }
#else
    if (flags & (NI_MEMORY_POPULATE | NI_MEMORY_LOCK))
        return ni::fail(NI_ERR_SYSTEM, "%s: this platform has no way to populate or lock memory", __func__);
#endif
    if (out_applied) *out_applied = applied;
    return NI_OK;
    NI_GUARD_END
}

NI_API ni_status ni_file_drop_cache(const char* path, uint64_t offset, uint64_t length, int32_t* out_applied) {
    NI_GUARD_BEGIN
    if (out_applied) *out_applied = 0;
    NI_CHECK_NOT_NULL(path);
#if defined(__linux__)
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ni::fail(NI_ERR_SYSTEM, "%s: cannot open '%s': %s", __func__, path, std::strerror(errno));
    if ((int64_t)offset < 0 || (int64_t)length < 0) {
        close(fd);
        return ni::fail(NI_ERR_INVALID_ARGUMENT, "%s: offset %llu or length %llu exceeds the largest file offset", __func__,
                        (unsigned long long)offset, (unsigned long long)length);
    }
    const int err = posix_fadvise(fd, (off_t)offset, (off_t)length, POSIX_FADV_DONTNEED);
    close(fd);
    if (err != 0) return ni::fail(NI_ERR_SYSTEM, "%s: posix_fadvise(DONTNEED) on '%s' failed: %s", __func__, path, std::strerror(err));
    if (out_applied) *out_applied = 1;
#else
    (void)offset;
    (void)length;
#endif
    return NI_OK;
    NI_GUARD_END
}

NI_API ni_status ni_memory_unlock(const void* data, size_t bytes) {
    NI_GUARD_BEGIN
    NI_CHECK_NOT_NULL(data);
    NI_CHECK_POSITIVE(bytes);
    const page_span span = widen_to_pages(data, bytes);
#if defined(NI_POSIX_MEMORY)
    if (munlock(span.start, span.length) != 0)
        return ni::fail(errno == ENOMEM ? NI_ERR_INVALID_ARGUMENT : NI_ERR_SYSTEM, "%s: munlock(%p, %zu) failed: %s", __func__,
                        (void*)span.start, span.length, std::strerror(errno));
#elif defined(_WIN32)
    if (!VirtualUnlock(span.start, span.length))
        return ni::fail(NI_ERR_SYSTEM, "%s: VirtualUnlock failed (error %lu)", __func__, GetLastError());
#endif
    return NI_OK;
    NI_GUARD_END
}

NI_API ni_status ni_memory_residency(const void* data, size_t bytes, size_t* out_resident, size_t* out_huge) {
    NI_GUARD_BEGIN
    if (out_resident) *out_resident = 0;
    if (out_huge) *out_huge = 0;
    NI_CHECK_NOT_NULL(data);
    NI_CHECK_POSITIVE(bytes);
    const page_span span = widen_to_pages(data, bytes);
#if defined(NI_POSIX_MEMORY)
    ni_status st = count_resident(span, out_resident, __func__);
    if (st != NI_OK) return st;
#if defined(__linux__)
    if (out_huge) *out_huge = huge_bytes_of_mappings(span);
#endif
#else
    return ni::fail(NI_ERR_SYSTEM, "%s: not implemented on this platform", __func__);
#endif
    return NI_OK;
    NI_GUARD_END
}

}  // extern "C"
