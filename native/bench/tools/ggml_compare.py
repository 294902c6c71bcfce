#!/usr/bin/env python3
"""Per weight type, ggml's CPU matmul against ni_matmul on the same shape, alternating runs (medians).

    native/bench/tools/ggml_compare.py GGML_BUILD_DIR [--types iq2_xxs,iq1_s] [--reps 5] [--n 1]
        [--m 4096] [--k 14336] [--isa avx512_vnni] [--probe build/native/bin/kernel_probe]
        [--cputime ggml_vec_dot_probe]

With --cputime, the kernels alone on one thread in CPU time (robust on a shared machine, where ggml's
spinning thread pool loses more to other processes than ni's pool does): ggml_vec_dot_probe (built from
ggml_vec_dot_probe.c) against `PROBE_CPUTIME=1 kernel_probe ISA 1`, the matrix in cache (default
2048 × 2048).

ggml side: `test-backend-ops perf -o MUL_MAT -b CPU` on MUL_MAT(type_a=T, type_b=f32, m, n, k) — its
own timing loop, on hardware_concurrency() threads, the weights repeated (so in cache when they fit the
LLC). NativeInfer side: kernel_probe with PROBE_M/PROBE_K/PROBE_N on all cores, one copy of the weights
(PROBE_ROTATION_MB below the matrix size), best of 5 repetitions of its loop. Both include quantizing the
f32 activations. Prints the median µs per call of each and ggml ÷ NativeInfer (> 1: NativeInfer faster,
per weight byte as both read the same matrix). A tuning and reporting aid for a shared machine.
"""
import argparse, os, re, statistics, subprocess, sys


def ggml_us(build, t, m, n, k):
    exe = os.path.join(build, "bin", "test-backend-ops")
    pattern = f"type_a={t},type_b=f32,m={m},n={n},k={k},"
    out = subprocess.run([exe, "perf", "-o", "MUL_MAT", "-b", "CPU", "-p", pattern], capture_output=True, text=True).stdout
    found = re.search(r"MUL_MAT\(" + re.escape(pattern) + r".*?([0-9.]+) us/run", out)
    if not found:
        sys.exit(f"no test-backend-ops case matches {pattern}:\n{out[-2000:]}")
    return float(found.group(1))


def probe_us(probe, isa, t, m, n, k):
    env = dict(os.environ, PROBE_TYPES=t, PROBE_M=str(m), PROBE_N=str(n), PROBE_K=str(k), PROBE_ROTATION_MB="8")
    out = subprocess.run([probe, isa], capture_output=True, text=True, env=env).stdout
    found = re.search(r"^\s+" + re.escape(t) + r"\s+N=\d+\s+\S+\s+([0-9.]+) µs", out, re.M)
    if not found:
        sys.exit(f"kernel_probe printed no row for {t}:\n{out}")
    return float(found.group(1))


def ggml_cputime_us(exe, t, m, k):
    out = subprocess.run([exe, t, str(m), str(k), "5"], capture_output=True, text=True).stdout
    found = re.search(r"median ([0-9.]+) us", out)
    if not found:
        sys.exit(f"{exe} printed no time for {t}: {out}")
    return float(found.group(1))


def probe_cputime_us(probe, isa, t, m, k):
    env = dict(os.environ, PROBE_TYPES=t, PROBE_M=str(m), PROBE_N="1", PROBE_K=str(k), PROBE_ROTATION_MB="4", PROBE_CPUTIME="1")
    out = subprocess.run([probe, isa, "1"], capture_output=True, text=True, env=env).stdout
    found = re.search(r"^\s+" + re.escape(t) + r"\s+N=\d+\s+\S+\s+([0-9.]+) µs", out, re.M)
    if not found:
        sys.exit(f"kernel_probe printed no row for {t}:\n{out}")
    return float(found.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ggml_build")
    ap.add_argument("--types", default="iq2_xxs,iq2_xs,iq2_s,iq3_xxs,iq3_s,iq1_s,iq1_m,q4_0,q4_K")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--m", type=int, default=4096)
    ap.add_argument("--n", type=int, default=1)
    ap.add_argument("--k", type=int, default=14336)
    ap.add_argument("--isa", default="avx512_vnni")
    ap.add_argument("--probe", default="build/native/bin/kernel_probe")
    ap.add_argument("--cputime", default=None, help="ggml_vec_dot_probe executable: compare one-thread CPU time instead")
    a = ap.parse_args()
    if a.cputime and a.m == 4096 and a.k == 14336:
        a.m, a.k = 2048, 2048
    types = a.types.split(",")
    ggml, ours = {t: [] for t in types}, {t: [] for t in types}
    for rep in range(a.reps):
        for t in types:
            if a.cputime:
                ggml[t].append(ggml_cputime_us(a.cputime, t, a.m, a.k))
                ours[t].append(probe_cputime_us(a.probe, a.isa, t, a.m, a.k))
            else:
                ggml[t].append(ggml_us(a.ggml_build, t, a.m, a.n, a.k))
                ours[t].append(probe_us(a.probe, a.isa, t, a.m, a.n, a.k))
        print(f"repetition {rep + 1}/{a.reps} done", file=sys.stderr)
    what = "one thread, CPU time, vec_dot vs ni_matmul" if a.cputime else "test-backend-ops MUL_MAT vs kernel_probe, all cores"
    print(f"m={a.m} n={a.n} k={a.k}; {what}; NativeInfer on {a.isa}; medians of {a.reps} alternating runs")
    print(f"| type | ggml µs | NativeInfer µs | ggml ÷ NativeInfer |")
    print(f"|---|--:|--:|--:|")
    for t in types:
        g, o = statistics.median(ggml[t]), statistics.median(ours[t])
        print(f"| {t} | {g:,.1f} | {o:,.1f} | {g / o:.2f}× |")


if __name__ == "__main__":
    main()
