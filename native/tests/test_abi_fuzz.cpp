// Fuzzing the size arguments of the C ABI. A seeded generator draws argument tuples for every entry
// point that takes sizes — boundary values (0, ±1, 2^31, 2^32, 2^62, INT64_MAX, INT64_MIN), random
// 64-bit values, mixed signs, huge and misaligned strides, overlapping and null buffers, a buffer at the
// top of the address space — over four small real buffers. For each tuple the test decides on its own,
// from nativeinfer.h's rules in 128-bit arithmetic, whether the call is invalid or valid, and whether a
// valid call fits the real buffers:
//   invalid            → called; must return an error status with a message
//   valid, fits        → called; must return NI_OK and write nothing outside its outputs' rows
//   valid, does not fit → not called (the library cannot know a buffer's size; such a call is the
//                          caller's bug)
// Every call must return (a crash, or an ASan/UBSan report in the sanitizer build, fails the test).
// A failure prints the seed and the iteration. NI_TEST_SMALL runs fewer iterations.
#include <cstring>
#include <map>
#include <string>

#include "test_common.h"

namespace {

using i128 = __int128;
constexpr i128 kMaxExtent = INT64_MAX;  // every extent must be below 2^63 (nativeinfer.h)

// a · b for a, b ≥ 0, saturating at 2^100 (far past any valid extent, and no 128-bit overflow).
i128 mul(i128 a, i128 b) {
    constexpr i128 kSaturated = (i128)1 << 100;
    if (a == 0 || b == 0) return 0;
    return a > kSaturated / b ? kSaturated : a * b;
}

// ----------------------------------------------------------------------- the rules, independently

struct type_rule {
    int id;
    int64_t block;       // values per block
    int64_t bytes;       // bytes per block
    int64_t alignment;   // natural alignment of the block
    bool weight;
};

const type_rule kTypes[] = {
    {NI_TYPE_F32, 1, 4, 4, true},      {NI_TYPE_F16, 1, 2, 2, true},     {NI_TYPE_BF16, 1, 2, 2, true},
    {NI_TYPE_Q4_0, 32, 18, 2, true},   {NI_TYPE_Q8_0, 32, 34, 2, true},  {NI_TYPE_Q4_K, 256, 144, 2, true},
    {NI_TYPE_Q6_K, 256, 210, 2, true}, {NI_TYPE_Q8_K, 256, 292, 4, false},
};

const type_rule* rule_of(int id) {
    for (const type_rule& t : kTypes)
        if (t.id == id) return &t;
    return nullptr;
}

// Four real buffers the generated pointers point into.
constexpr size_t kRegionBytes = 64 * 1024;
struct arena {
    uint8_t* region[4];
    std::vector<uint8_t> pattern;  // what every region holds before a call runs
    bool dirty = true;             // a call wrote since the regions were last reset
    explicit arena(nt::rng& r) : pattern(kRegionBytes) {
        for (auto& reg : region) reg = static_cast<uint8_t*>(std::aligned_alloc(64, kRegionBytes));
        // Bytes below 0x40: every f32, f16, bf16 and fp16 scale read from them is finite and moderate
        // (a NaN reaching the reference quantizers' float-to-int conversions is a separate matter).
        for (auto& b : pattern) b = (uint8_t)(r.next() & 0x3F);
    }
    ~arena() {
        for (auto* reg : region) std::free(reg);
    }
    void reset() {
        if (!dirty) return;
        for (auto* reg : region) std::memcpy(reg, pattern.data(), kRegionBytes);
        dirty = false;
    }
    // The region holding [p, p + bytes), or -1.
    int holding(const void* p, i128 bytes) const {
        const i128 a = (i128)(uintptr_t)p;
        for (int i = 0; i < 4; ++i) {
            const i128 lo = (i128)(uintptr_t)region[i];
            if (a >= lo && bytes >= 0 && a + bytes <= lo + (i128)kRegionBytes) return i;
        }
        return -1;
    }
};

// One buffer operand as the rules see it: a start, rows of row_bytes that are stride apart (when the
// entry point takes a stride for it), and batches batch_stride apart.
struct operand {
    const void* p = nullptr;
    bool strided = true;
    i128 rows = 1, stride = 0, row_bytes = 0, batches = 1, batch_stride = 0;
    i128 span() const { return mul(batches - 1, batch_stride) + mul(rows - 1, stride) + row_bytes; }
};

// The verdict on one tuple.
struct verdict {
    bool invalid = false;
    std::string why;   // the first rule broken (for the failure message)
    void broken(const char* rule) {
        if (!invalid) why = rule;
        invalid = true;
    }
};

// Shared rules of a typed or f32 operand: alignment of pointer and strides, strides below 2^63, the
// span below 2^63 and not past the top of the address space.
void check_operand(verdict& v, const operand& o, i128 align, const char* name) {
    if ((uintptr_t)o.p % align != 0) v.broken(name);
    if (o.stride > kMaxExtent || o.batch_stride > kMaxExtent) v.broken(name);
    if (o.stride % align != 0 || o.batch_stride % align != 0) v.broken(name);
    if (o.strided && o.stride < o.row_bytes) v.broken(name);
    const i128 s = o.span();
    if (s > kMaxExtent || (i128)(uintptr_t)o.p + s > (i128)UINTPTR_MAX) v.broken(name);
}

bool overlap(const operand& a, const operand& b) {
    const i128 pa = (i128)(uintptr_t)a.p, pb = (i128)(uintptr_t)b.p;
    return pa < pb + b.span() && pb < pa + a.span();
}

// ------------------------------------------------------------------------------ the generator

// Each call is drawn clean (small valid counts, exact or padded strides, aligned pointers, outputs in
// their own buffer), clean with a few wild arguments, or wild throughout; a wild argument is a boundary
// value, a random 64-bit value, a misaligned or null pointer, a huge or short stride.
struct gen {
    nt::rng r;
    arena& mem;
    int wild_percent = 100;  // chance that an argument is drawn wild, set per call
    explicit gen(uint64_t seed, arena& a) : r(seed), mem(a) {}

    uint64_t below(uint64_t n) { return r.next() % n; }
    bool chance(int percent) { return (int)below(100) < percent; }
    bool wild() { return chance(wild_percent); }

    void start_call() {
        static const int levels[] = {0, 0, 5, 15, 100};
        wild_percent = levels[below(sizeof levels / sizeof levels[0])];
    }

    int64_t boundary() {
        static const int64_t values[] = {0, 1, -1, 2, INT32_MAX, (int64_t)INT32_MAX + 1, (int64_t)INT32_MAX + 2, INT32_MIN,
                                         (int64_t)1 << 32, ((int64_t)1 << 32) + 32, ((int64_t)1 << 32) - 256, (int64_t)1 << 62,
                                         ((int64_t)1 << 62) + 256, ((int64_t)1 << 61) + 32, INT64_MAX, INT64_MAX - 255, INT64_MIN,
                                         INT64_MIN + 1, -((int64_t)1 << 62), (int64_t)1 << 40};
        return values[below(sizeof values / sizeof values[0])];
    }

    // A count: small multiples of `unit` when clean.
    int64_t count(int64_t unit, int64_t most) {
        if (!wild()) return unit * (1 + (int64_t)below((uint64_t)most));
        switch (below(5)) {
            case 0: return 1 + (int64_t)below(40);
            case 1: case 2: return boundary();
            case 3: return boundary() / (unit > 0 ? unit : 1) * unit;
            default: return (int64_t)r.next() >> below(64);
        }
    }

    // A byte stride for rows of row_bytes: exact or padded by the alignment when clean.
    size_t stride(i128 row_bytes, int64_t align) {
        const bool representable = row_bytes >= 0 && row_bytes <= (i128)SIZE_MAX / 2;
        if (!wild() && representable) return (size_t)row_bytes + (size_t)align * below(3);
        switch (below(5)) {
            case 0: return representable ? (size_t)row_bytes + 1 : (size_t)r.next();
            case 1: return representable && row_bytes >= align ? (size_t)row_bytes - (size_t)align : 0;
            case 2: return (size_t)boundary();
            case 3: {
                static const size_t big[] = {SIZE_MAX, SIZE_MAX - 63, SIZE_MAX / 2, SIZE_MAX / 2 + 1, (size_t)1 << 31, (size_t)1 << 32,
                                             ((size_t)1 << 62) + 4, 64, 0};
                return big[below(sizeof big / sizeof big[0])];
            }
            default: return (size_t)r.next() >> below(64);
        }
    }

    // A pointer near the start of a buffer, aligned, when clean: inputs in buffers 0-2, outputs in 3.
    // Wild: null, misaligned, anywhere in any buffer (overlapping others), or near the top of the
    // address space.
    void* pointer(int64_t align, bool output = false) {
        if (!wild()) return mem.region[output ? 3 : below(3)] + (size_t)align * below(16);
        const int k = (int)below(100);
        if (k < 20) return nullptr;
        if (k < 35) return reinterpret_cast<void*>((UINTPTR_MAX - 4095) & ~(uintptr_t)63);
        uint8_t* base = mem.region[below(4)];
        if (k < 70) return base + (size_t)align * below(64) + 1 + below(3);  // misaligned
        return base + (size_t)align * below(kRegionBytes / (size_t)align);
    }

    int type_id() {
        if (!wild() || chance(80)) return kTypes[below(sizeof kTypes / sizeof kTypes[0])].id;
        return (int)below(300) - 5;
    }
};

// Whether the library knows a type id the rules above do not (a format added later): such tuples are
// not judged.
bool unknown_to_rules(int id) {
    ni_type_info info;
    return rule_of(id) == nullptr && ni_type_get_info(id, &info) == NI_OK;
}

// ------------------------------------------------------------------------- output bookkeeping

// The bytes of the arena that a call may write: its output rows. Everything else must keep its value.
struct write_set {
    std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
    void add(const operand& o) {
        for (i128 b = 0; b < o.batches; ++b)
            for (i128 i = 0; i < o.rows; ++i) {
                const uintptr_t at = (uintptr_t)o.p + (uintptr_t)(b * o.batch_stride + i * o.stride);
                ranges.push_back({at, at + (uintptr_t)o.row_bytes});
            }
    }
};

struct snapshot {
    std::vector<uint8_t> bytes[4];
    snapshot() {
        for (auto& b : bytes) b.resize(kRegionBytes);
    }
    void take(const arena& a) {
        for (int i = 0; i < 4; ++i) std::memcpy(bytes[i].data(), a.region[i], kRegionBytes);
    }
    // Number of bytes outside `allowed` that changed.
    size_t stray_writes(const arena& a, const write_set& allowed) const {
        size_t stray = 0;
        for (int i = 0; i < 4; ++i) {
            if (std::memcmp(a.region[i], bytes[i].data(), kRegionBytes) == 0) continue;
            const uintptr_t base = (uintptr_t)a.region[i];
            for (size_t j = 0; j < kRegionBytes; ++j) {
                if (a.region[i][j] == bytes[i][j]) continue;
                bool ok = false;
                for (const auto& rg : allowed.ranges) ok |= base + j >= rg.first && base + j < rg.second;
                stray += !ok;
            }
        }
        return stray;
    }
};

struct counts {
    int called_invalid = 0, called_valid = 0, skipped = 0;
};

// Per entry point, so a generator that stopped reaching the valid side of one shows in the output.
struct tally {
    std::map<std::string, counts> by_function;
    counts& operator[](const char* fn) { return by_function[fn]; }
    counts total() const {
        counts c;
        for (const auto& [fn, n] : by_function) {
            c.called_invalid += n.called_invalid;
            c.called_valid += n.called_valid;
            c.skipped += n.skipped;
        }
        return c;
    }
};

// Runs a judged call: invalid → must fail; valid and fitting → must succeed and write only `writes`.
template <typename Call>
void judge(const char* fn, uint64_t seed, int iteration, const verdict& v, bool fits, const write_set& writes, arena& mem, tally& all,
           Call call) {
    counts& t = all[fn];
    if (!v.invalid && !fits) {
        ++t.skipped;
        return;
    }
    static snapshot before;  // 256 KB, reused
    if (!v.invalid) before.take(mem);
    mem.dirty = true;
    const ni_status st = call();
    if (v.invalid) {
        ++t.called_invalid;
        NT_CHECK(st != NI_OK && ni_last_error()[0] != '\0', "%s seed %llu iteration %d: broken rule (%s) but returned %s '%s'", fn,
                 (unsigned long long)seed, iteration, v.why.c_str(), ni_status_name(st), ni_last_error());
        return;
    }
    ++t.called_valid;
    NT_CHECK(st == NI_OK, "%s seed %llu iteration %d: valid call returned %s: %s", fn, (unsigned long long)seed, iteration,
             ni_status_name(st), ni_last_error());
    if (st == NI_OK) {
        const size_t stray = before.stray_writes(mem, writes);
        NT_CHECK(stray == 0, "%s seed %llu iteration %d: %zu bytes written outside the output rows", fn, (unsigned long long)seed,
                 iteration, stray);
    }
}

bool fits_all(const arena& mem, std::initializer_list<const operand*> ops) {
    for (const operand* o : ops)
        if (mem.holding(o->p, o->span()) < 0) return false;
    return true;
}

// ----------------------------------------------------------------------------- entry points

void fuzz_convert(gen& g, ni_pool* pool, bool quantize, uint64_t seed, int it, tally& t) {
    const int type = g.type_id();
    if (unknown_to_rules(type)) { ++t["unknown type ids"].skipped; return; }
    const type_rule* tr = rule_of(type);
    const int64_t n_rows = g.count(1, 6), n_cols = g.count(tr ? tr->block : 32, 4);
    verdict v;
    if (n_rows <= 0) v.broken("n_rows > 0");
    if (!tr) v.broken("known type");
    const int64_t block = tr ? tr->block : 1, align = tr ? tr->alignment : 1;
    if (n_cols <= 0) v.broken("n_cols > 0");
    else if (n_cols % block) v.broken("n_cols a block multiple");
    const i128 q_row = tr && n_cols > 0 ? (i128)(n_cols / block) * tr->bytes : 0, f_row = (i128)(n_cols > 0 ? n_cols : 0) * 4;
    if (q_row > kMaxExtent || f_row > kMaxExtent) v.broken("row below 2^63");
    operand src, dst;
    src.rows = dst.rows = n_rows > 0 ? n_rows : 1;
    src.row_bytes = quantize ? f_row : q_row;
    dst.row_bytes = quantize ? q_row : f_row;
    const int64_t src_align = quantize ? 4 : align, dst_align = quantize ? align : 4;
    src.p = g.pointer(src_align);
    dst.p = g.pointer(dst_align, true);
    src.stride = g.stride(src.row_bytes, src_align);
    dst.stride = g.stride(dst.row_bytes, dst_align);
    if (!src.p || !dst.p || !pool) v.broken("non-null");
    if (!v.invalid) {
        check_operand(v, src, src_align, "src");
        check_operand(v, dst, dst_align, "dst");
        if (!v.invalid && overlap(src, dst)) v.broken("dst and src disjoint");
    }
    const bool fits = !v.invalid && fits_all(g.mem, {&src, &dst});
    write_set w;
    if (fits) w.add(dst);
    judge(quantize ? "ni_quantize_rows" : "ni_dequantize_rows", seed, it, v, fits, w, g.mem, t, [&] {
        return quantize ? ni_quantize_rows(pool, type, const_cast<void*>(dst.p), (size_t)dst.stride, static_cast<const float*>(src.p),
                                           (size_t)src.stride, n_rows, n_cols)
                        : ni_dequantize_rows(pool, type, static_cast<float*>(const_cast<void*>(dst.p)), (size_t)dst.stride, src.p,
                                             (size_t)src.stride, n_rows, n_cols);
    });
}

// ni_matmul (batch = 1, mode W_TRANSPOSED) and ni_matmul_strided_batched.
void fuzz_matmul(gen& g, ni_pool* pool, bool batched, uint64_t seed, int it, tally& t) {
    const int type = g.type_id();
    if (unknown_to_rules(type)) { ++t["unknown type ids"].skipped; return; }
    const type_rule* tr = rule_of(type);
    const int mode = !batched ? NI_MATMUL_W_TRANSPOSED : !g.wild() ? (int)g.below(2) : (int)g.boundary();
    const int64_t batch = batched ? g.count(1, 3) : 1, n = g.count(1, 5), m = g.count(1, 6), k = g.count(tr ? tr->block : 32, 3);
    verdict v;
    if (mode != NI_MATMUL_W_TRANSPOSED && mode != NI_MATMUL_W_ROWS) v.broken("known mode");
    if (batch <= 0 || n <= 0 || m <= 0) v.broken("batch, n, m > 0");
    if (!tr || !tr->weight) v.broken("weight type");
    const int64_t block = tr ? tr->block : 1, align = tr ? tr->alignment : 1;
    if (k <= 0) v.broken("k > 0");
    else if (k % block) v.broken("k a block multiple");
    const i128 kk = k > 0 ? k : 0, mm = m > 0 ? m : 0;
    const i128 w_row = tr ? kk / block * tr->bytes : 0;
    if (w_row > kMaxExtent || kk * 4 > kMaxExtent || mm * 4 > kMaxExtent) v.broken("rows below 2^63");
    const bool rows_mode = mode == NI_MATMUL_W_ROWS;
    operand w, x, y;
    w.rows = mm > 0 ? mm : 1;
    w.row_bytes = w_row;
    x.rows = y.rows = n > 0 ? n : 1;
    x.row_bytes = (rows_mode ? mm : kk) * 4;
    y.row_bytes = (rows_mode ? kk : mm) * 4;
    w.batches = x.batches = y.batches = batch > 0 ? batch : 1;
    w.p = g.pointer(align);
    x.p = g.pointer(4);
    y.p = g.pointer(4, true);
    w.stride = g.stride(w.row_bytes, align);
    x.stride = g.stride(x.row_bytes, 4);
    y.stride = g.stride(y.row_bytes, 4);
    if (batched) {
        w.batch_stride = g.chance(20) ? 0 : g.stride(w.span(), align);
        x.batch_stride = g.chance(20) ? 0 : g.chance(20) ? (size_t)x.row_bytes : g.stride(x.span(), 4);
        y.batch_stride = g.chance(10) ? 0 : g.chance(30) ? (size_t)y.row_bytes : g.stride(y.span(), 4);
    }
    if (!pool || !w.p || !x.p || !y.p) v.broken("non-null");
    if (!v.invalid) {
        check_operand(v, w, align, "w");
        check_operand(v, x, 4, "x");
        check_operand(v, y, 4, "y");
        if (!v.invalid && (overlap(y, x) || overlap(y, w))) v.broken("y disjoint from x and w");
        if (batch > 1 && y.batch_stride < y.row_bytes) v.broken("batches of y apart");
    }
    const bool fits = !v.invalid && fits_all(g.mem, {&w, &x, &y});
    write_set out;
    if (fits) out.add(y);
    judge(batched ? "ni_matmul_strided_batched" : "ni_matmul", seed, it, v, fits, out, g.mem, t, [&] {
        float* yp = static_cast<float*>(const_cast<void*>(y.p));
        const float* xp = static_cast<const float*>(x.p);
        return batched ? ni_matmul_strided_batched(pool, mode, type, w.p, (size_t)w.stride, (size_t)w.batch_stride, xp, (size_t)x.stride,
                                                   (size_t)x.batch_stride, yp, (size_t)y.stride, (size_t)y.batch_stride, batch, n, m, k)
                       : ni_matmul(pool, type, w.p, (size_t)w.stride, xp, (size_t)x.stride, yp, (size_t)y.stride, n, m, k);
    });
}

void fuzz_moe(gen& g, ni_pool* pool, uint64_t seed, int it, tally& t) {
    ni_moe_weights W{};
    W.gate_type = g.type_id();
    W.up_type = !g.wild() || g.chance(50) ? W.gate_type : g.type_id();
    W.down_type = !g.wild() || g.chance(50) ? W.gate_type : g.type_id();
    if (unknown_to_rules(W.gate_type) || unknown_to_rules(W.up_type) || unknown_to_rules(W.down_type)) { ++t["unknown type ids"].skipped; return; }
    const type_rule *gt = rule_of(W.gate_type), *ut = rule_of(W.up_type), *dt = rule_of(W.down_type);
    const int64_t big_block = std::max({gt ? gt->block : 32, ut ? ut->block : 32, dt ? dt->block : 32});
    W.n_experts = g.count(1, 4);
    W.hidden = g.count(big_block, 2);
    W.ffn = g.count(big_block, 2);
    const int64_t n_tokens = g.count(1, 4);
    const int64_t top_k = !g.wild() && W.n_experts > 0 ? 1 + (int64_t)g.below((uint64_t)std::min<int64_t>(W.n_experts, 3)) : g.boundary();
    const uint32_t flags = !g.wild() ? (uint32_t)g.below(2) : (uint32_t)g.r.next();
    verdict v;
    if (n_tokens <= 0) v.broken("n_tokens > 0");
    if (W.n_experts <= 0 || W.n_experts > INT32_MAX) v.broken("n_experts in [1, 2^31)");
    if (top_k <= 0 || top_k > W.n_experts) v.broken("top_k in [1, n_experts]");
    if (flags > 1) v.broken("known flags");
    if (W.ffn <= 0 || W.hidden <= 0) v.broken("ffn, hidden > 0");
    if (!gt || !ut || !dt || !gt->weight || !ut->weight || !dt->weight) v.broken("weight types");
    if (gt && W.hidden > 0 && W.hidden % gt->block) v.broken("hidden a block multiple");
    if (ut && W.hidden > 0 && W.hidden % ut->block) v.broken("hidden a block multiple");
    if (dt && W.ffn > 0 && W.ffn % dt->block) v.broken("ffn a block multiple");
    const i128 hid = W.hidden > 0 ? W.hidden : 0, ffn = W.ffn > 0 ? W.ffn : 0, experts = W.n_experts > 0 ? W.n_experts : 0;
    const i128 gate_row = gt ? hid / gt->block * gt->bytes : 0, up_row = ut ? hid / ut->block * ut->bytes : 0,
               down_row = dt ? ffn / dt->block * dt->bytes : 0;
    if (gate_row > kMaxExtent || up_row > kMaxExtent || down_row > kMaxExtent || hid * 4 > kMaxExtent || ffn * 4 > kMaxExtent)
        v.broken("rows below 2^63");
    operand gate, up, down, x, ids, wts, out;
    gate.row_bytes = mul(mul(experts, ffn), gate_row);
    up.row_bytes = mul(mul(experts, ffn), up_row);
    down.row_bytes = mul(mul(experts, hid), down_row);
    gate.strided = up.strided = down.strided = ids.strided = wts.strided = false;
    const i128 tokens = n_tokens > 0 ? n_tokens : 0, slots = top_k > 0 ? top_k : 0;
    ids.row_bytes = wts.row_bytes = mul(mul(tokens, slots), 4);
    x.rows = out.rows = tokens > 0 ? tokens : 1;
    x.row_bytes = out.row_bytes = hid * 4;
    gate.p = g.pointer(gt ? gt->alignment : 2);
    up.p = g.chance(30) && W.up_type == W.gate_type ? gate.p : g.pointer(ut ? ut->alignment : 2);
    down.p = g.pointer(dt ? dt->alignment : 2);
    x.p = g.pointer(4);
    ids.p = g.pointer(4);
    wts.p = g.pointer(4);
    out.p = g.pointer(4, true);
    x.stride = g.stride(x.row_bytes, 4);
    out.stride = g.stride(out.row_bytes, 4);
    const ni_moe_weights* weights = g.wild() && g.chance(10) ? nullptr : &W;
    if (!pool || !weights || !gate.p || !up.p || !down.p || !x.p || !ids.p || !wts.p || !out.p) v.broken("non-null");
    if (!v.invalid) {
        check_operand(v, gate, gt->alignment, "weights->gate");
        check_operand(v, up, ut->alignment, "weights->up");
        check_operand(v, down, dt->alignment, "weights->down");
        check_operand(v, ids, 4, "expert_ids");
        check_operand(v, wts, 4, "expert_weights");
        check_operand(v, x, 4, "x");
        check_operand(v, out, 4, "out");
        for (const operand* o : {&x, &ids, &wts, &gate, &up, &down})
            if (!v.invalid && overlap(out, *o)) v.broken("out disjoint from the inputs");
    }
    const bool fits = !v.invalid && fits_all(g.mem, {&gate, &up, &down, &x, &ids, &wts, &out});
    if (fits) {
        // Expert ids the rules can judge: in range, except now and then one that is not.
        int32_t* id = static_cast<int32_t*>(const_cast<void*>(ids.p));
        const int64_t entries = n_tokens * top_k;
        for (int64_t i = 0; i < entries; ++i) id[i] = (int32_t)g.below((uint64_t)W.n_experts);
        if (g.chance(10)) id[g.below((uint64_t)entries)] = g.chance(50) ? -1 : (int32_t)W.n_experts;
        // The writes above may have landed in another operand (ids may overlap any input): read back.
        for (int64_t i = 0; i < entries; ++i)
            if (id[i] < 0 || id[i] >= W.n_experts) v.broken("expert ids in range");
    }
    W.gate = gate.p;
    W.up = up.p;
    W.down = down.p;
    write_set w;
    if (fits) w.add(out);
    judge("ni_moe_experts", seed, it, v, fits, w, g.mem, t, [&] {
        return ni_moe_experts(pool, weights, static_cast<const float*>(x.p), (size_t)x.stride,
                              static_cast<const int32_t*>(ids.p), static_cast<const float*>(wts.p), n_tokens, top_k,
                              static_cast<float*>(const_cast<void*>(out.p)), (size_t)out.stride, flags);
    });
}

void fuzz_memory_read(gen& g, ni_pool* pool, uint64_t seed, int it, tally& t) {
    operand data;
    data.strided = false;
    data.p = g.pointer(64);
    const size_t bytes = !g.wild() ? 64 * (size_t)g.below(64) : (size_t)g.boundary();
    data.row_bytes = bytes;
    uint64_t checksum = 0;
    uint64_t* out = g.wild() && g.chance(20) ? nullptr : &checksum;
    verdict v;
    if (!pool || !data.p || !out) v.broken("non-null");
    if (bytes == 0 || bytes % 64) v.broken("bytes a positive multiple of 64");
    if ((uintptr_t)data.p % 64) v.broken("data 64-byte aligned");
    if ((i128)bytes > kMaxExtent || (i128)(uintptr_t)data.p + (i128)bytes > (i128)UINTPTR_MAX) v.broken("bytes within the address space");
    const bool fits = !v.invalid && g.mem.holding(data.p, data.span()) >= 0;
    judge("ni_memory_read", seed, it, v, fits, write_set{}, g.mem, t, [&] {
        const ni_status st = ni_memory_read(pool, data.p, bytes, out);
        if (st == NI_OK) {
            uint64_t expect = 0;
            for (size_t i = 0; i < bytes / 8; ++i) {
                uint64_t word;
                std::memcpy(&word, static_cast<const char*>(data.p) + 8 * i, 8);
                expect += word;
            }
            NT_CHECK(checksum == expect, "ni_memory_read seed %llu iteration %d: checksum %llu, expected %llu", (unsigned long long)seed, it,
                     (unsigned long long)checksum, (unsigned long long)expect);
        }
        return st;
    });
}

void fuzz_row_size(gen& g, uint64_t seed, int it, tally& t) {
    const int type = g.type_id();
    if (unknown_to_rules(type)) { ++t["unknown type ids"].skipped; return; }
    const type_rule* tr = rule_of(type);
    const int64_t n = g.count(tr ? tr->block : 32, 8);
    size_t bytes = 0;
    size_t* out = g.wild() && g.chance(20) ? nullptr : &bytes;
    verdict v;
    if (!tr) v.broken("known type");
    if (!out) v.broken("non-null");
    if (n <= 0) v.broken("n_cols > 0");
    else if (tr && n % tr->block) v.broken("a block multiple");
    else if (tr && (i128)(n / tr->block) * tr->bytes > kMaxExtent) v.broken("row below 2^63");
    judge("ni_row_size", seed, it, v, true, write_set{}, g.mem, t, [&] {
        const ni_status st = ni_row_size(type, n, out);
        if (st == NI_OK && tr)
            NT_CHECK((i128)bytes == (i128)(n / tr->block) * tr->bytes, "ni_row_size seed %llu iteration %d: %zu bytes", (unsigned long long)seed,
                     it, bytes);
        return st;
    });
}

void fuzz_pool_create(gen& g, uint64_t seed, int it, tally& t) {
    const int32_t threads = !g.wild() ? (int32_t)g.below(5) : (int32_t)g.boundary();
    const int32_t isa = !g.wild() ? (int32_t)g.below(5) : (int32_t)g.boundary();
    ni_cpu_info info;
    ni_cpu_get_info(&info);
    verdict v;
    if (threads < 0 || threads > 1024) v.broken("n_threads in [0, 1024]");
    if (isa < NI_ISA_AUTO || isa > NI_ISA_AVX512_VNNI) v.broken("known isa");
    else if (isa > info.best_isa) v.broken("isa this CPU runs");
    // Creating up to 1024 threads is valid but slow: only small pools are created.
    const bool cheap = threads >= 0 && threads <= 4;
    ni_pool* p = nullptr;
    ni_pool** out = g.wild() && g.chance(20) ? nullptr : &p;
    if (!out) v.broken("non-null");
    judge("ni_pool_create", seed, it, v, cheap, write_set{}, g.mem, t, [&] { return ni_pool_create(threads, isa, out); });
    ni_pool_destroy(p);
}

}  // namespace

int main() {
    const uint64_t seed = 20240611;
    nt::rng fill(seed + 1);
    arena mem(fill);
    gen g(seed, mem);
    nt::pool pool(2, NI_ISA_AUTO);
    tally t;
    const int iterations = nt::small_shapes() ? 6000 : 24000;
    for (int it = 0; it < iterations; ++it) {
        mem.reset();
        g.start_call();
        ni_pool* p = g.wild() && g.chance(10) ? nullptr : pool.p;
        switch (it % 9) {
            case 0: fuzz_convert(g, p, true, seed, it, t); break;
            case 1: fuzz_convert(g, p, false, seed, it, t); break;
            case 2: case 3: fuzz_matmul(g, p, false, seed, it, t); break;
            case 4: case 5: fuzz_matmul(g, p, true, seed, it, t); break;
            case 6: fuzz_moe(g, p, seed, it, t); break;
            case 7: fuzz_memory_read(g, p, seed, it, t); break;
            default: (it % 2 ? fuzz_row_size(g, seed, it, t) : fuzz_pool_create(g, seed, it, t)); break;
        }
    }
    std::printf("%d tuples: invalid (each returned an error) / valid and fitting (each returned NI_OK and wrote only its outputs) / "
                "valid but larger than the buffers (not called):\n", iterations);
    for (const auto& [fn, n] : t.by_function) {
        std::printf("  %-26s %6d / %6d / %6d\n", fn.c_str(), n.called_invalid, n.called_valid, n.skipped);
        if (fn == "unknown type ids") continue;  // formats the rules here do not describe
        NT_CHECK(n.called_valid >= 20 && n.called_invalid >= 20, "%s: the generator must reach both sides, or the test proves little",
                 fn.c_str());
    }
    return nt::finish("test_abi_fuzz");
}
