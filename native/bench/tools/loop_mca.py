#!/usr/bin/env python3
"""Static throughput of a kernel's inner loops: disassembles FUNCTION_SUBSTRING from OBJECT,
finds its backward-jump loops, and runs llvm-mca (Zen 4 model by default) on each loop body.

    native/bench/tools/loop_mca.py OBJECT FUNCTION_SUBSTRING [--mcpu znver4] [--top 3]

A tuning aid for a shared machine without performance counters: cycles per iteration from the
scheduling model are not disturbed by other processes. Needs llvm-mca (apt-get install llvm-19)."""
import argparse, re, subprocess, sys

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("object"); ap.add_argument("function")
    ap.add_argument("--mcpu", default="znver4"); ap.add_argument("--top", type=int, default=3)
    ap.add_argument("--mca", default="llvm-mca-19")
    ap.add_argument("--per", default=None, help="also report cycles per occurrence of this mnemonic (e.g. vpdpbusd)")
    a = ap.parse_args()
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-C", a.object], capture_output=True, text=True).stdout
    funcs = re.split(r"\n(?=[0-9a-f]+ <)", dis)
    body = next((f for f in funcs if a.function in f.split("\n", 1)[0]), None)
    if body is None:
        sys.exit(f"no function containing '{a.function}'")
    lines = []
    for line in body.split("\n")[1:]:
        m = re.match(r"\s*([0-9a-f]+):\s+(.*)", line)
        if m: lines.append((int(m.group(1), 16), m.group(2).split("#")[0].strip()))
    loops = []
    for i, (addr, ins) in enumerate(lines):
        m = re.match(r"j\w+\s+([0-9a-f]+)", ins)
        if m and int(m.group(1), 16) < addr:
            start = int(m.group(1), 16)
            loop = [x for adr, x in lines if start <= adr <= addr and not x.startswith("j") and x]
            loops.append((start, addr, loop))
    # With --per, the hot loops are the ones with the most marker instructions (then the shortest).
    if a.per:
        loops.sort(key=lambda l: (-sum(1 for x in l[2] if x.split()[0] == a.per), len(l[2])))
    else:
        loops.sort(key=lambda l: -len(l[2]))
    for start, end, loop in loops[: a.top]:
        src = "\n".join(re.sub(r"<[^>]*>", "", x) for x in loop) + "\n"
        out = subprocess.run([a.mca, f"-mcpu={a.mcpu}", "-iterations=200", "-timeline=false", "-resource-pressure=false",
                              "-instruction-info=false"], input=src, capture_output=True, text=True)
        summary = "\n".join(l for l in out.stdout.split("\n") if re.match(r"(Total Cycles|IPC|Block RThroughput)", l))
        extra = ""
        if a.per:
            n = sum(1 for x in loop if x.split()[0] == a.per)
            cyc = re.search(r"Total Cycles:\s+(\d+)", out.stdout)
            if n and cyc: extra = f"  → {int(cyc.group(1)) / 200 / n:.2f} cycles per {a.per} ({n} per iteration)"
        print(f"loop {start:x}-{end:x}: {len(loop)} instructions{extra}\n{summary or out.stderr}\n")

main()
