// A minimal GGUF v2/v3 reader for the native tests: the tensor table and tensor bytes, metadata
// skipped. Trusts nothing: every read is bounds-checked and failure is an error string.
// (The product's reader is the managed GgufFile; this exists so native tests stand alone.)
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace nt {

struct gguf_tensor {
    std::vector<int64_t> ne;
    int type = -1;
    uint64_t offset = 0;       // relative to the data section
    const uint8_t* data = nullptr;
};

class gguf_mini {
public:
    bool load(const std::string& path, std::string& error) {
        FILE* f = std::fopen(path.c_str(), "rb");
        if (!f) { error = "cannot open " + path; return false; }
        std::fseek(f, 0, SEEK_END);
        long size = std::ftell(f);
        std::fseek(f, 0, SEEK_SET);
        bytes_.resize((size_t)size);
        const size_t got = std::fread(bytes_.data(), 1, bytes_.size(), f);
        std::fclose(f);
        if (got != bytes_.size()) { error = "short read"; return false; }
        pos_ = 0;
        uint32_t magic, version;
        uint64_t n_tensors, n_kv;
        if (!read(magic) || magic != 0x46554747u) { error = "bad magic"; return false; }
        if (!read(version) || (version != 2 && version != 3)) { error = "unsupported version"; return false; }
        if (!read(n_tensors) || !read(n_kv)) { error = "truncated header"; return false; }
        uint64_t alignment = 32;
        for (uint64_t i = 0; i < n_kv; ++i) {
            std::string key;
            uint32_t vtype;
            if (!read_string(key) || !read(vtype)) { error = "truncated metadata"; return false; }
            if (key == "general.alignment" && vtype == 4) {
                uint32_t a;
                if (!read(a)) { error = "truncated alignment"; return false; }
                alignment = a;
                continue;
            }
            if (!skip_value(vtype, 0)) { error = "bad metadata value for " + key; return false; }
        }
        std::vector<std::pair<std::string, gguf_tensor>> infos;
        for (uint64_t i = 0; i < n_tensors; ++i) {
            std::string name;
            uint32_t n_dims;
            gguf_tensor t;
            if (!read_string(name) || !read(n_dims) || n_dims > 4) { error = "bad tensor info"; return false; }
            for (uint32_t d = 0; d < n_dims; ++d) {
                uint64_t ne;
                if (!read(ne)) { error = "bad tensor dims"; return false; }
                t.ne.push_back((int64_t)ne);
            }
            uint32_t type;
            if (!read(type) || !read(t.offset)) { error = "bad tensor info"; return false; }
            t.type = (int)type;
            infos.emplace_back(name, t);
        }
        const size_t data_start = (pos_ + alignment - 1) / alignment * alignment;
        for (auto& [name, t] : infos) {
            if (data_start + t.offset > bytes_.size()) { error = "tensor " + name + " outside the file"; return false; }
            t.data = bytes_.data() + data_start + t.offset;
            tensors_[name] = t;
        }
        return true;
    }

    const gguf_tensor* find(const std::string& name) const {
        auto it = tensors_.find(name);
        return it == tensors_.end() ? nullptr : &it->second;
    }

private:
    template <typename T>
    bool read(T& v) {
        if (pos_ + sizeof(T) > bytes_.size()) return false;
        std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return true;
    }
    bool read_string(std::string& s) {
        uint64_t n;
        if (!read(n) || n > bytes_.size() - pos_) return false;
        s.assign(reinterpret_cast<const char*>(bytes_.data() + pos_), (size_t)n);
        pos_ += (size_t)n;
        return true;
    }
    bool skip(size_t n) {
        if (n > bytes_.size() - pos_) return false;
        pos_ += n;
        return true;
    }
    bool skip_value(uint32_t type, int depth) {
        static const int sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
        if (type == 8) { std::string s; return read_string(s); }
        if (type == 9) {
            uint32_t et;
            uint64_t n;
            if (depth > 0 || !read(et) || !read(n)) return false;
            if (et != 8 && et != 9 && et < 13) return n <= (bytes_.size() - pos_) / (size_t)sizes[et] && skip((size_t)n * sizes[et]);
            for (uint64_t i = 0; i < n; ++i) if (!skip_value(et, depth + 1)) return false;
            return true;
        }
        if (type >= 13) return false;
        return skip((size_t)sizes[type]);
    }

    std::vector<uint8_t> bytes_;
    size_t pos_ = 0;
    std::map<std::string, gguf_tensor> tensors_;
};

}  // namespace nt
