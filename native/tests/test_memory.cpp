// ni_memory_prepare / ni_memory_residency / ni_memory_unlock on real mappings: populating makes every
// page resident (counted independently with mincore's own view through ni_memory_residency and
// checked against the data written), advice never changes the bytes, and bad ranges and flags fail
// with a message instead of faulting.
#include "test_common.h"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace {

uint64_t checksum(const unsigned char* p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

void file_mapping_is_populated_and_unchanged() {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const size_t size = 8 * 1024 * 1024 + 100;
    char path[] = "/tmp/ni_test_memory_XXXXXX";
    const int fd = mkstemp(path);
    NT_CHECK(fd >= 0, "mkstemp");
    if (fd < 0) return;
    unlink(path);
    std::vector<unsigned char> bytes(size);
    nt::rng rng(7);
    for (auto& b : bytes) b = (unsigned char)rng.next();
    NT_CHECK(write(fd, bytes.data(), size) == (ssize_t)size, "write");
    fsync(fd);
    // Dropping the cached pages (of a file nobody maps yet) leaves fewer resident once mapped.
    char fd_path[64];
    std::snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", fd);
    int32_t dropped = -1;
    NT_CHECK_OK(ni_file_drop_cache(fd_path, 0, 0, &dropped));
    NT_CHECK(dropped == 0 || dropped == 1, "drop_cache reports 0 or 1 (got %d)", dropped);
    NT_EXPECT_ERR(ni_file_drop_cache("/nonexistent/ni-model.gguf", 0, 0, nullptr), NI_ERR_SYSTEM, "/nonexistent/ni-model.gguf");
    NT_EXPECT_ERR(ni_file_drop_cache(nullptr, 0, 0, nullptr), NI_ERR_INVALID_ARGUMENT, "path");
    auto* map = (unsigned char*)mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    NT_CHECK(map != MAP_FAILED, "mmap");
    if (map == MAP_FAILED) { close(fd); return; }

    // An unaligned range inside the mapping, as a GGUF's tensor data is.
    const unsigned char* data = map + 100;
    const size_t n = size - 100;
    size_t resident_before = 0;
    NT_CHECK_OK(ni_memory_residency(data, n, &resident_before, nullptr));
    if (dropped == 1) NT_CHECK(resident_before < size, "after drop_cache not every page is resident (%zu of %zu bytes)", resident_before, size);
    uint32_t applied = 0xffffffffu;
    NT_CHECK_OK(ni_memory_prepare(data, n, NI_MEMORY_HUGE_PAGES | NI_MEMORY_POPULATE, &applied));
    NT_CHECK((applied & NI_MEMORY_POPULATE) != 0, "POPULATE applied (got 0x%x)", applied);
    NT_CHECK((applied & ~(NI_MEMORY_HUGE_PAGES | NI_MEMORY_POPULATE)) == 0, "only requested flags applied (got 0x%x)", applied);
    size_t resident = 0, huge = 0;
    NT_CHECK_OK(ni_memory_residency(data, n, &resident, &huge));
    const size_t span = ((size + page - 1) / page) * page;
    NT_CHECK(resident == span, "after POPULATE every page is resident: %zu of %zu bytes", resident, span);
    NT_CHECK(checksum(map, size) == checksum(bytes.data(), size), "the mapped bytes are the file's bytes after advice");

    // Locking either works (then unlocks) or names the limit that refused it.
    ni_status st = ni_memory_prepare(map, 64 * 1024, NI_MEMORY_LOCK, &applied);
    if (st == NI_OK) {
        NT_CHECK(applied == NI_MEMORY_LOCK, "LOCK applied (got 0x%x)", applied);
        NT_CHECK_OK(ni_memory_unlock(map, 64 * 1024));
    } else {
        NT_CHECK(st == NI_ERR_SYSTEM && std::strstr(ni_last_error(), "RLIMIT_MEMLOCK"), "LOCK failure names the limit: %s %s",
                 ni_status_name(st), ni_last_error());
    }
    munmap(map, size);
    close(fd);
}

void anonymous_residency_counts_touched_pages() {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    auto* p = (unsigned char*)mmap(nullptr, 16 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    NT_CHECK(p != MAP_FAILED, "mmap");
    if (p == MAP_FAILED) return;
    size_t resident = 1;
    NT_CHECK_OK(ni_memory_residency(p, 16 * page, &resident, nullptr));
    NT_CHECK(resident == 0, "untouched anonymous pages are not resident (%zu bytes)", resident);
    p[3 * page] = 1;
    p[9 * page + 5] = 1;
    NT_CHECK_OK(ni_memory_residency(p, 16 * page, &resident, nullptr));
    NT_CHECK(resident == 2 * page, "two touched pages are resident (%zu bytes)", resident);
    munmap(p, 16 * page);
}

void bad_arguments_fail_with_a_message() {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    auto* p = (unsigned char*)mmap(nullptr, 3 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    NT_CHECK(p != MAP_FAILED, "mmap");
    if (p == MAP_FAILED) return;
    NT_EXPECT_ERR(ni_memory_prepare(nullptr, page, NI_MEMORY_POPULATE, nullptr), NI_ERR_INVALID_ARGUMENT, "data");
    NT_EXPECT_ERR(ni_memory_prepare(p, 0, NI_MEMORY_POPULATE, nullptr), NI_ERR_INVALID_ARGUMENT, "bytes");
    NT_EXPECT_ERR(ni_memory_prepare(p, page, 0x100, nullptr), NI_ERR_INVALID_ARGUMENT, "unknown flags 0x100");
    // A hole in the middle: neither advice nor the touch fallback may reach it.
    munmap(p + page, page);
    NT_EXPECT_ERR(ni_memory_prepare(p, 3 * page, NI_MEMORY_POPULATE, nullptr), NI_ERR_INVALID_ARGUMENT, "one mapping");
    NT_EXPECT_ERR(ni_memory_residency(p, 3 * page, nullptr, nullptr), NI_ERR_INVALID_ARGUMENT, "one mapping");
    NT_EXPECT_ERR(ni_memory_unlock(nullptr, page), NI_ERR_INVALID_ARGUMENT, "data");
    munmap(p, page);
    munmap(p + 2 * page, page);
}

}  // namespace

int main() {
    file_mapping_is_populated_and_unchanged();
    anonymous_residency_counts_touched_pages();
    bad_arguments_fail_with_a_message();
    return nt::finish("test_memory");
}
#else
int main() {
    std::puts("test_memory: skipped (mmap/mincore are POSIX; the Windows path is not tested here)");
    return 77;
}
#endif
