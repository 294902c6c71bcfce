// The object behind the opaque ni_pool handle.
#pragma once
#include "nativeinfer.h"
#include "thread_pool.h"

struct ni_pool {
    ni_pool(int n_threads, int isa_) : isa(isa_), pool(n_threads, ni::kernels_for(isa_)) {}
    const int isa;
    ni::thread_pool pool;
};
