#!/usr/bin/env bash
# Runs offpool's JMH suites against the peers and prints the result tables (markdown: medians and ratios).
#
#   benchmarks/run.sh                       full run, the numbers to quote (about two hours; on a quiet machine)
#   benchmarks/run.sh quick                 smoke run: 1 fork, 1 x 1 s warmup and measurement, smaller live heaps
#                                           (a -f, -wi, -w, -i or -r of the caller's replaces that default)
#   benchmarks/run.sh quick --only TwoThreads -p size=64
#                                           --only REGEX picks benchmarks; every other argument goes to JMH
#
# It installs mimalloc and jemalloc if they are missing (apt-get, needs root), builds benchmarks.jar with Maven,
# runs JMH on the newest installed JDK 25+ (OFFPOOL_JAVA=/path/to/bin/java overrides), runs the jemalloc benchmarks
# in a JMH invocation of their own under LD_PRELOAD (jemalloc cannot be dlopen'ed into a running JVM), and writes
# benchmarks/results/<mode>-<time>.{json,jemalloc.json,log,md}. Exits non-zero if any benchmark failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"
jemalloc_benchmark='AllocFreeBenchmark\.jemalloc'

mode=full
case "${1:-}" in
    quick | full) mode=$1; shift ;;
esac
only=""
jmh_args=()
while (($#)); do
    case "$1" in
        --only) only=${2:?"--only needs a regular expression"}; shift 2 ;;
        *) jmh_args+=("$1"); shift ;;
    esac
done

# ensure_native_libraries and find_java, shared with workloads.sh and servers.sh.
source "$here/jvm-setup.sh"

ensure_native_libraries
(cd "$root" && mvn -B -q -Dstyle.color=never -pl benchmarks -am package -DskipTests)
java=$(find_java)

# Whether the caller passed JMH option $1 (e.g. -wi) themselves.
caller_sets() {
    local arg
    for arg in "${jmh_args[@]}"; do
        [[ $arg == "$1" ]] && return 0
    done
    return 1
}

settings=()
if [[ $mode == quick ]]; then
    # JMH refuses a repeated option, so a caller's own -f, -wi, -w, -i or -r replaces the quick default.
    for option_value in "-f 1" "-wi 1" "-w 1s" "-i 1" "-r 1s"; do
        read -r option value <<<"$option_value"
        caller_sets "$option" || settings+=("$option" "$value")
    done
    # JMH adds up repeated -p values, so a caller's own liveBlocks replaces this default rather than joining it.
    [[ " ${jmh_args[*]} " == *" liveBlocks="* ]] || settings+=(-p liveBlocks=1000,1000000)
fi
# The host JVM only runs JMH; this keeps JMH's own sun.misc.Unsafe warning quiet. Forks take their flags from @Fork.
host=("$java" --sun-misc-unsafe-memory-access=allow -jar "$jar")

mkdir -p "$here/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
base="$here/results/$mode-$stamp"
results=()
machine="$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "run.sh: $mode run on $("$java" -version 2>&1 | head -n 1); $machine" | tee "$base.log"

# Everything but jemalloc, in one JMH invocation.
main_selection=("${only:-.}" -e "$jemalloc_benchmark")
if "${host[@]}" -l "${main_selection[@]}" | grep -q '^dev\.'; then
    "${host[@]}" "${main_selection[@]}" "${settings[@]}" "${jmh_args[@]}" -rf json -rff "$base.json" 2>&1 \
        | tee -a "$base.log"
    results+=("$base.json")
fi

# jemalloc replaces malloc for the whole process, so its benchmarks get a JVM (and forks, which inherit the
# environment) of their own. Each checks that the library really is loaded and fails with a message otherwise.
# --only picks among them too: the listed names it matches are passed on, anchored, as JMH's selection.
jemalloc_selection=()
while IFS= read -r name; do
    jemalloc_selection+=("$name\$")
done < <("${host[@]}" -l "$jemalloc_benchmark" | grep '^dev\.' | { grep -E "${only:-.}" || true; })
if ((${#jemalloc_selection[@]} > 0)); then
    LD_PRELOAD=libjemalloc.so.2 "${host[@]}" "${jemalloc_selection[@]}" "${settings[@]}" "${jmh_args[@]}" \
        -rf json -rff "$base.jemalloc.json" 2>&1 | tee -a "$base.log"
    results+=("$base.jemalloc.json")
fi

if ((${#results[@]} == 0)); then
    echo "run.sh: no benchmark matches --only '$only'" >&2
    exit 1
fi
{
    echo "$mode run, $(date -u +%Y-%m-%d), $machine."
    [[ $mode == quick ]] && echo "Smoke-run settings: not numbers to quote."
    "$java" -cp "$jar" dev.offpool.benchmarks.report.ResultTable "${results[@]}"
} | tee "$base.md"

failures=$(grep -c '<failure>' "$base.log" || true)
if ((failures > 0)); then
    echo "run.sh: $failures benchmark(s) failed; their errors are in $base.log" >&2
    exit 1
fi
echo "run.sh: results in $base.{json,log,md}"
