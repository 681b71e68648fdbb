# Helpers every benchmark script shares (sourced by bench_lib.sh and migrate_bench.sh): wall-clock
# time, and running a step with its output in a log. Uses $_child, which the caller's cleanup kills.

now() { echo "$EPOCHREALTIME"; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

# run_logged LOG CMD...: runs CMD with its output in LOG; on failure shows the end of LOG and stops.
# (In the background and waited for, so an interrupt stops it with the benchmark.)
run_logged() {
    local log=$1; shift
    "$@" >"$log" 2>&1 </dev/null &
    _child=$!
    if ! wait "$_child"; then
        _child=""
        echo "FAILED: $* (in $PWD)" >&2
        tail -n 30 "$log" >&2
        exit 1
    fi
    _child=""
}

# stop_sampler: stops the memory sampler a script started in the background as $_sampler_pid.
stop_sampler() {
    if [ -n "$_sampler_pid" ]; then
        kill -TERM "$_sampler_pid" 2>/dev/null || true
        wait "$_sampler_pid" 2>/dev/null || true
        _sampler_pid=""
    fi
}
