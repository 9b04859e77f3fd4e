#!/usr/bin/env bash
# Runs the workload study (issue 14, docs/WORKLOADS.md): every workload against every peer, each run in a JVM of its
# own, then renders the plots and the table of figures.
#
#   benchmarks/workloads.sh full                the study to quote, on a quiet machine (about 2 h 40 min on 2 cores)
#   benchmarks/workloads.sh quick               smoke run: short runs, small live sets (about 12 minutes); not numbers
#   benchmarks/workloads.sh quick --only 'server-(offpool-raw|jemalloc)-t1'
#                                               --only REGEX picks runs by name: <workload>-<peer>-t<threads>
#   benchmarks/workloads.sh full --publish      also copies the plots and figures.md into docs/workloads/
#
# It installs mimalloc and jemalloc if missing (apt-get, needs root), and fonts for the plots; builds benchmarks.jar
# and the agent with Maven; runs on the newest JDK 25+ under /usr/lib/jvm (OFFPOOL_JAVA=/path/to/bin/java overrides);
# writes benchmarks/results/workloads-<mode>-<time>/ with each run's CSV files and log, then its plots (SVG) and
# figures.md. jemalloc runs under LD_PRELOAD=libjemalloc.so.2 (checked inside the run: it fails rather than measure
# glibc), the agent-* peers with -javaagent. Exits non-zero if a run failed or its counts did not add up.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"
agent_jar="$root/agent/target/offpool-agent.jar"
# ensure_native_libraries, ensure_fonts and find_java, shared with run.sh and servers.sh.
source "$here/jvm-setup.sh"

mode=full
case "${1:-}" in
    quick | full) mode=$1; shift ;;
esac
only=""
publish=false
while (($#)); do
    case "$1" in
        --only) only=${2:?"--only needs a regular expression"}; shift 2 ;;
        --publish) publish=true; shift ;;
        *) echo "workloads.sh: unknown argument '$1' (quick|full, --only REGEX, --publish)" >&2; exit 2 ;;
    esac
done

# Per mode: how long each workload runs, the live set, the heap, and the thread counts. The direct-memory limit is
# twice the burst's peak (4x the live set), so every peer's peak fits; the agent's own limit follows it.
if [[ $mode == quick ]]; then
    declare -A duration=([server]=6s [burst]=8s [fragmenter]=6s)
    live=32m direct_limit=256m heap=384m sample=250ms threads=(1 2)
else
    declare -A duration=([server]=120s [burst]=90s [fragmenter]=120s)
    live=256m direct_limit=2g heap=1g sample=500ms threads=(1 2)
    (($(nproc) >= 4)) && threads+=(4)
fi
declare -A main_class=([server]=ServerWorkload [burst]=BurstDrainWorkload [fragmenter]=FragmenterWorkload)
workloads=(server burst fragmenter)

ensure_native_libraries
ensure_fonts
(cd "$root" && mvn -B -q -Dstyle.color=never -pl benchmarks -am package -DskipTests)
java=$(find_java)
mapfile -t peers < <("$java" -cp "$jar" dev.offpool.benchmarks.workload.peers.Peers)

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$here/results/workloads-$mode-$stamp"
mkdir -p "$out"
log="$out/workloads.log"
echo "workloads.sh: $mode run on $("$java" -version 2>&1 | head -n 1); $(nproc) cores, load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg) at start; results in $out" | tee "$log"

jvm_flags=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
    -Dio.netty.leakDetection.level=disabled "-Xms$heap" "-Xmx$heap" -XX:+AlwaysPreTouch
    "-XX:MaxDirectMemorySize=$direct_limit")
failed=()
ran=0
for workload in "${workloads[@]}"; do
    for t in "${threads[@]}"; do
        for peer in "${peers[@]}"; do
            name="$workload-$peer-t$t"
            [[ -n $only && ! $name =~ $only ]] && continue
            env=()
            flags=("${jvm_flags[@]}")
            case "$peer" in
                jemalloc) env=(LD_PRELOAD=libjemalloc.so.2) ;;
                agent-*) flags+=("-javaagent:$agent_jar=include=dev.offpool.benchmarks.workload.peers.DirectPeer*") ;;
            esac
            seconds=${duration[$workload]%s}
            # A run that hangs is killed: its duration, plus start-up, fill, burst and the final checks.
            if env "${env[@]}" timeout $((seconds + 180)) "$java" "${flags[@]}" -cp "$jar" \
                "dev.offpool.benchmarks.workload.${main_class[$workload]}" --peer "$peer" --threads "$t" \
                --duration "${duration[$workload]}" --live "$live" --sample-interval "$sample" --out "$out" \
                >"$out/$name.log" 2>&1; then
                grep -m 1 "^$workload $peer t$t:" "$out/$name.log" | tee -a "$log"
            else
                status=$?
                echo "workloads.sh: $name FAILED (exit $status); see $out/$name.log" | tee -a "$log" >&2
                failed+=("$name")
            fi
            ran=$((ran + 1))
        done
    done
done
if ((ran == 0)); then
    echo "workloads.sh: no run matches --only '$only'" >&2
    exit 1
fi

echo "workloads.sh: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end" | tee -a "$log"
if compgen -G "$out/*.summary.csv" >/dev/null; then
    "$java" -Djava.awt.headless=true -cp "$jar" dev.offpool.benchmarks.workload.report.WorkloadReport "$out" \
        | tee -a "$log"
    if $publish; then
        mkdir -p "$root/docs/workloads"
        cp "$out"/*.svg "$out/figures.md" "$root/docs/workloads/"
        echo "workloads.sh: plots and figures.md copied into docs/workloads/" | tee -a "$log"
    fi
fi
if ((${#failed[@]} > 0)); then
    echo "workloads.sh: ${#failed[@]} run(s) failed: ${failed[*]}" >&2
    exit 1
fi
echo "workloads.sh: $ran runs; figures in $out/figures.md"
