#!/usr/bin/env bash
# Everything GPU-related NativeInfer has, on a machine with an NVIDIA GPU, CUDA (12 or 13) and CMake but no
# .NET SDK, in one report file. Two steps:
#
#   1. Where the .NET SDK is (a development machine, no GPU needed):
#        native/cuda/device-check.sh pack [BUNDLE.tar.gz]
#      publishes the GPU check program self-contained for linux-x64 and packs it with the native sources
#      and this script (default: build/device-check-bundle.tar.gz, about 30 MB).
#   2. On the GPU machine:
#        tar xzf device-check-bundle.tar.gz && cd device-check && ./device-check.sh run [DEVICE]
#      builds libnativeinfer_cuda and its tests with CMake for the GPU's own architecture, then runs
#        - ctest -R cuda: the repack and launch checks, the emulated kernel, and test_cuda_gemm — the Marlin
#          kernel against its CPU reference for M ∈ {1, 7, 16, 33, 64, 100} on DeepSeek-V2-Lite's shapes;
#        - nativeinfer-gpucheck: every ILGPU kernel on the GPU against the same kernel on the emulated device,
#          and the Marlin GEMM through ILGPU's buffers on ILGPU's stream for M ∈ {1, 7, 16, 33, 64};
#        - bench_marlin: the int4 GEMM against cuBLAS FP16 on the same shapes;
#      and writes device-check-report.txt (also printed). Budget: under 5 minutes on a 16-core machine.
#      Exit code 0 when every step passed.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

pack() {
  local repo out stage size
  repo="$(cd "$here/../.." && pwd)"
  out="${1:-$repo/build/device-check-bundle.tar.gz}"
  stage="$(mktemp -d)/device-check"
  mkdir -p "$stage/src" "$(dirname "$out")"
  echo "== publishing tests/NativeInfer.GpuCheck (self-contained, linux-x64)"
  dotnet publish "$repo/tests/NativeInfer.GpuCheck/NativeInfer.GpuCheck.csproj" -c Release -r linux-x64 --self-contained \
    -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=false \
    -p:DebugType=none -o "$stage/gpucheck" || return 1
  # The native libraries are rebuilt on the GPU machine; leave out what the build copied here.
  rm -f "$stage"/gpucheck/libnativeinfer*.so
  echo "== native sources"
  (cd "$repo" && git archive --format=tar HEAD CMakeLists.txt native) | tar -x -C "$stage/src" || return 1
  cp "$here/device-check.sh" "$stage/"
  tar -czf "$out" -C "$(dirname "$stage")" device-check || return 1
  size=$(du -m "$out" | cut -f1)
  echo "bundle: $out (${size} MB)"
  if [ "$size" -gt 64 ]; then echo "error: the bundle is over 64 MB" >&2; return 1; fi
}

run() {
  local device="${1:-0}" report="$here/device-check-report.txt" build="$here/build" failed=0 start arch name
  start=$(date +%s)
  : > "$report"
  log() { echo "$*" | tee -a "$report"; }
  step() {  # step NAME TIMEOUT_SECONDS COMMAND...: runs it, logs its output and status
    local name="$1" limit="$2" status
    shift 2
    log ""
    log "== $name"
    timeout "$limit" "$@" 2>&1 | tee -a "$report"
    status=${PIPESTATUS[0]}
    if [ "$status" -eq 0 ]; then log "-- $name: ok"; else log "-- $name: FAILED (exit $status; 124 means it ran out of time)"; failed=1; fi
    return "$status"
  }

  log "NativeInfer device check, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -srm), $(nproc) cores"
  if ! command -v nvidia-smi >/dev/null 2>&1; then log "error: nvidia-smi not found: no NVIDIA driver on this machine"; return 2; fi
  name=$(nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv,noheader -i "$device" 2>&1)
  log "GPU $device: $name"
  arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader -i "$device" 2>/dev/null | tr -d ' .')
  if [ -z "$arch" ]; then log "error: cannot read the compute capability of GPU $device"; return 2; fi
  command -v nvcc >/dev/null 2>&1 || export PATH="$PATH:/usr/local/cuda/bin"
  log "nvcc: $(nvcc --version 2>&1 | tail -1); cmake: $(cmake --version | head -1)"

  # One architecture (the GPU's own) keeps the 32 Marlin kernels' build short.
  step "configure (sm_$arch)" 120 cmake -S "$here/src" -B "$build" -DCMAKE_BUILD_TYPE=Release "-DNI_CUDA_ARCHITECTURES=${arch}-real" || true
  step "build" 300 cmake --build "$build" --parallel "$(nproc)" --target nativeinfer nativeinfer_cuda test_cuda_repack test_cuda_emulation \
    test_cuda_wrap test_cuda_gemm bench_marlin || true
  step "ctest -R cuda (test_cuda_gemm: Marlin vs its CPU reference, DeepSeek-V2-Lite shapes)" 300 \
    ctest --test-dir "$build" -R cuda --output-on-failure || true
  step "ILGPU kernels and the Marlin GEMM on one stream (nativeinfer-gpucheck)" 300 \
    env NATIVEINFER_LIBRARY_PATH="$build" "$here/gpucheck/nativeinfer-gpucheck" --device "$device" --m 1,7,16,33,64 || true
  step "bench_marlin: int4 Marlin vs cuBLAS FP16" 300 "$build/bin/bench_marlin" --device "$device" || true

  log ""
  log "device check finished in $(( $(date +%s) - start )) s: $([ $failed -eq 0 ] && echo 'every step passed' || echo 'SOME STEPS FAILED')"
  log "report: $report"
  return $failed
}

case "${1:-}" in
  pack) shift; pack "$@" ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 pack [BUNDLE.tar.gz]   (with the .NET SDK)  |  $0 run [DEVICE]   (on the GPU machine, inside the unpacked bundle)" >&2; exit 2 ;;
esac
