// Weight rows for the kernel tests in any weight type: quantized from Gaussian data when the
// library can write the type, and otherwise (the i-quants, which need an importance matrix to be
// written) random valid blocks — random bytes with a sane fp16 block scale, every grid index, sign
// and sub-block scale as likely as any other, which is how the reference file's blocks were made.
// Dequantized by the scalar table (the reference), so tests compare against what the weights are.
#pragma once
#include <cmath>
#include <cstring>
#include <vector>

#include "test_common.h"

namespace nt {

struct weight_rows {
    int type = 0;
    int64_t rows = 0, k = 0;
    size_t row_bytes = 0;
    std::vector<uint8_t> q;  // [rows][row_bytes]
    std::vector<float> f;    // [rows][k] dequantized
    const uint8_t* row(int64_t i) const { return q.data() + (size_t)i * row_bytes; }
};

// Writes the fp16 block scale of an i-quant block (for IQ1_M it is spread over the top nibbles of
// the four 16-bit scale words at the end of the block).
inline void set_block_scale(int type, uint8_t* block, size_t block_bytes, uint16_t d) {
    if (type == NI_TYPE_IQ1_M) {
        uint8_t* scales = block + block_bytes - 8;
        for (int w = 0; w < 4; ++w) scales[2 * w + 1] = (uint8_t)((scales[2 * w + 1] & 0x0F) | (((d >> (4 * w)) & 0xF) << 4));
    } else {
        std::memcpy(block, &d, 2);
    }
}

inline uint16_t float_to_half_bits(float f) {
    // f is a positive normal value well inside the fp16 range; truncating the mantissa is enough.
    uint32_t u;
    std::memcpy(&u, &f, 4);
    const int exp = (int)((u >> 23) & 0xFF) - 127 + 15;
    return (uint16_t)((exp << 10) | ((u >> 13) & 0x3FF));
}

// Random valid blocks whose dequantized values have an RMS of about `scale`.
inline void random_blocks(rng& r, int type, int64_t rows, int64_t k, float scale, weight_rows& out, ni_pool* scalar) {
    ni_type_info info;
    ni_type_get_info(type, &info);
    const size_t block_bytes = (size_t)info.block_bytes, blocks = out.q.size() / block_bytes;
    for (auto& b : out.q) b = (uint8_t)(r.next() >> 56);
    // Calibrate: with d = 1 the values' RMS is `unit`; then d = scale / unit for every block.
    for (size_t b = 0; b < blocks; ++b) set_block_scale(type, &out.q[b * block_bytes], block_bytes, 0x3C00);
    ni_dequantize_rows(scalar, type, out.f.data(), (size_t)k * 4, out.q.data(), out.row_bytes, rows, k);
    double sum2 = 0;
    for (float v : out.f) sum2 += (double)v * v;
    const double unit = std::sqrt(sum2 / (double)out.f.size());
    const uint16_t d = float_to_half_bits((float)(scale / unit));
    for (size_t b = 0; b < blocks; ++b) set_block_scale(type, &out.q[b * block_bytes], block_bytes, d);
}

inline weight_rows make_weight_rows(rng& r, int type, int64_t rows, int64_t k, float scale) {
    weight_rows w;
    w.type = type;
    w.rows = rows;
    w.k = k;
    w.row_bytes = row_size(type, k);
    w.q.resize(w.row_bytes * (size_t)rows);
    w.f.resize((size_t)(rows * k));
    pool scalar(1, NI_ISA_SCALAR);
    std::vector<float> src = make_data(r, (size_t)(rows * k), scale);
    const ni_status st = ni_quantize_rows(scalar, type, w.q.data(), w.row_bytes, src.data(), (size_t)k * 4, rows, k);
    if (st == NI_ERR_UNSUPPORTED_TYPE) random_blocks(r, type, rows, k, scale, w, scalar);
    else if (st != NI_OK) {
        std::fprintf(stderr, "make_weight_rows(%s): %s\n", type_name(type), ni_last_error());
        std::abort();
    }
    if (ni_dequantize_rows(scalar, type, w.f.data(), (size_t)k * 4, w.q.data(), w.row_bytes, rows, k) != NI_OK) {
        std::fprintf(stderr, "make_weight_rows(%s): %s\n", type_name(type), ni_last_error());
        std::abort();
    }
    return w;
}

}  // namespace nt
