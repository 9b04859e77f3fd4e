#!/usr/bin/env bash
# Runs the real servers (issue 18, docs/WORKLOADS.md "Real servers"): Jetty 12 in two buffer configurations and
# Netty 4.2 in three, every endpoint loaded by wrk over loopback, each run with and without the agent, interleaved,
# each in a server JVM of its own; then renders the plots and figures.md.
#
#   benchmarks/servers.sh full                  the runs to quote, on a quiet machine: 3 rounds of 20 s (about 80 min)
#   benchmarks/servers.sh short                 3 rounds of 10 s, with --only for a subset when time is short
#   benchmarks/servers.sh quick                 smoke run: 1 round of 3 s (about 9 minutes); not numbers to quote
#   benchmarks/servers.sh quick --only 'jetty-non-pooling-(16k|echo)'
#                                               --only REGEX picks runs by <configuration>-<endpoint>
#
# It installs wrk if missing (apt-get, needs root), and fonts for the plots; builds benchmarks.jar and the agent with
# Maven; runs on the newest JDK 25+ under /usr/lib/jvm (OFFPOOL_JAVA=/path/to/bin/java overrides); writes
# benchmarks/results/servers-<mode>-<time>/: runs.csv (one row per run), and per run the server's output, its GC log,
# wrk's output and, with the agent, the agent's report; then the plots (SVG) and figures.md. Exits non-zero if a run
# failed: the server did not start or stop, wrk got errors or non-2xx answers, or the agent wrote no report.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"
agent_jar="$root/agent/target/offpool-agent.jar"
# install_debian_packages, ensure_fonts and find_java, shared with run.sh and workloads.sh.
source "$here/jvm-setup.sh"

mode=full
case "${1:-}" in
    quick | short | full) mode=$1; shift ;;
esac
only=""
while (($#)); do
    case "$1" in
        --only) only=${2:?"--only needs a regular expression"}; shift 2 ;;
        *) echo "servers.sh: unknown argument '$1' (quick|short|full, --only REGEX)" >&2; exit 2 ;;
    esac
done

# Per mode: rounds (each runs every configuration and endpoint without, then with the agent), wrk's warm-up and
# measured durations, its threads and connections.
if [[ $mode == quick ]]; then
    rounds=1 warmup=1s duration=3s wrk_threads=2 connections=16
elif [[ $mode == short ]]; then
    rounds=3 warmup=3s duration=10s wrk_threads=2 connections=32
else
    rounds=3 warmup=5s duration=20s wrk_threads=2 connections=32
fi
# docs/WORKLOADS.md, "Real servers", says what each is. Netty's allocator and where its memory comes from are chosen
# by its system properties (NettyServer's javadoc): netty-unpooled is the issue's configuration (no Unsafe: malloc
# through the FFM linker), netty-unpooled-unsafe the one whose every buffer is a ByteBuffer.allocateDirect.
configurations=(jetty-array jetty-non-pooling netty-default netty-unpooled netty-unpooled-unsafe)
declare -A server_class=([jetty-array]=JettyServer [jetty-non-pooling]=JettyServer [netty-default]=NettyServer
    [netty-unpooled]=NettyServer [netty-unpooled-unsafe]=NettyServer)
# Each configuration's own server options and JVM flags, the same with and without the agent.
declare -A server_options=([jetty-array]="--pool array" [jetty-non-pooling]="--pool non-pooling" [netty-default]=""
    [netty-unpooled]="" [netty-unpooled-unsafe]="")
declare -A configuration_flags=([jetty-array]="" [jetty-non-pooling]=""
    [netty-default]="--sun-misc-unsafe-memory-access=allow"
    [netty-unpooled]="-Dio.netty.noUnsafe=true -Dio.netty.allocator.type=unpooled"
    [netty-unpooled-unsafe]="--sun-misc-unsafe-memory-access=allow -Dio.netty.allocator.type=unpooled")
endpoints=(small 16k 1m echo direct16k)
# The echo's request body, as Endpoint.ECHO says.
echo_body_bytes=16384
# The heap is resident from the start on both sides, so RSS differences are what lives outside it (docs/WORKLOADS.md).
jvm_flags=(--enable-native-access=ALL-UNNAMED -Xms512m -Xmx512m -XX:+AlwaysPreTouch)
wrk_timeout=30s
start_timeout_seconds=60
stop_timeout_seconds=30

command -v wrk >/dev/null || install_debian_packages wrk
ensure_fonts
(cd "$root" && mvn -B -q -Dstyle.color=never -pl benchmarks -am package -DskipTests)
java=$(find_java)

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$here/results/servers-$mode-$stamp"
mkdir -p "$out"
log="$out/servers.log"
csv="$out/runs.csv"
echo "servers.sh: $mode run on $("$java" -version 2>&1 | head -n 1); $(nproc) cores, load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg) at start; wrk -t$wrk_threads -c$connections -d$duration after" \
    "$warmup of warm-up; results in $out" | tee "$log"
agent_columns=$("$java" -cp "$jar" dev.offpool.benchmarks.servers.AgentCounters --columns)
echo "run,configuration,endpoint,agent,round,requests,seconds,requests_per_second,p50_us,p99_us,p999_us," \
    "socket_errors,timeouts,peak_rss_kib,final_rss_kib,gc_pauses,gc_pause_ms,system_gcs,$agent_columns" \
    | tr -d ' ' >"$csv"

# Prints the port of the server whose output is $1 once it says LISTENING; fails if process $2 ends first or the
# start takes too long.
wait_for_port() {
    local output=$1 pid=$2 waited=0
    while ((waited < start_timeout_seconds * 10)); do
        if grep -q '^LISTENING ' "$output" 2>/dev/null; then
            sed -n 's/^LISTENING \([0-9]*\)$/\1/p' "$output" | head -n 1
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
        waited=$((waited + 1))
    done
    return 1
}

# Stops server $1 with SIGTERM (its shutdown hooks write the agent's report) and waits for it; fails if it lingers.
stop_server() {
    local pid=$1 waited=0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= stop_timeout_seconds * 10)); then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    wait "$pid" 2>/dev/null || true
}

# One run: starts the server, warms it up, measures with wrk, reads its memory, stops it, and appends its CSV row.
# Arguments: configuration, endpoint, side (jdk or agent), round. Prints why on failure.
run_one() {
    local configuration=$1 endpoint=$2 side=$3 round=$4
    local name="$configuration-$endpoint-$side-r$round"
    local flags=("${jvm_flags[@]}" "-Xlog:gc:file=$out/$name.gc.log")
    # Word splitting is meant: each holds zero or more flags without spaces.
    # shellcheck disable=SC2206
    flags+=(${configuration_flags[$configuration]})
    [[ $side == agent ]] && flags+=("-javaagent:$agent_jar=reportTo=$out/$name.agent.txt")
    # shellcheck disable=SC2206
    local options=(--port 0 ${server_options[$configuration]})
    "$java" "${flags[@]}" -cp "$jar" "dev.offpool.benchmarks.servers.${server_class[$configuration]}" "${options[@]}" \
        >"$out/$name.log" 2>&1 </dev/null &
    local pid=$!
    local port
    if ! port=$(wait_for_port "$out/$name.log" "$pid"); then
        stop_server "$pid" || true
        echo "the server did not print LISTENING within $start_timeout_seconds s"
        return 1
    fi
    local url="http://127.0.0.1:$port/$endpoint" body=0
    [[ $endpoint == echo ]] && body=$echo_body_bytes
    local wrk_ok=true
    # wrk drops a request slower than its timeout from the latencies (2 s by default): a long one keeps them all.
    WRK_BODY_BYTES=$body wrk -t"$wrk_threads" -c"$connections" -d"$warmup" --timeout "$wrk_timeout" \
        -s "$here/servers.lua" "$url" >"$out/$name.warmup.txt" 2>&1 || wrk_ok=false
    $wrk_ok && { WRK_BODY_BYTES=$body wrk -t"$wrk_threads" -c"$connections" -d"$duration" --timeout "$wrk_timeout" \
        --latency -s "$here/servers.lua" "$url" >"$out/$name.wrk.txt" 2>&1 || wrk_ok=false; }
    # VmHWM is the peak RSS of the whole life; VmRSS what the server holds at the end of the load.
    local peak_kib final_kib
    peak_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    final_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    if ! stop_server "$pid"; then
        echo "the server did not stop within $stop_timeout_seconds s of SIGTERM"
        return 1
    fi
    if ! $wrk_ok || [[ -z $peak_kib ]]; then
        echo "wrk failed, or the server was gone before the end of the load"
        return 1
    fi
    local wrk_line
    wrk_line=$(grep -m 1 '^WRK ' "$out/$name.wrk.txt" || true)
    [[ -n $wrk_line ]] || { echo "wrk printed no WRK line"; return 1; }
    local -A w=()
    local pair
    for pair in ${wrk_line#WRK }; do
        w[${pair%%=*}]=${pair#*=}
    done
    if ((w[requests] == 0 || w[errors_status] > 0 || w[errors_socket] > 0)); then
        echo "wrk: ${w[requests]} requests, ${w[errors_status]} non-2xx answers, ${w[errors_socket]} socket errors"
        return 1
    fi
    # -Xlog:gc prints one line per collection; pauses end in "<time>ms", System.gc() ones name their cause.
    local gc
    gc=$(awk '/ Pause / && / [0-9.]+ms$/ { n++; t = $NF; sub(/ms$/, "", t); total += t }
              / Pause / && /\(System\.gc\(\)\)/ { explicit++ }
              END { printf "%d,%.3f,%d", n, total, explicit }' "$out/$name.gc.log")
    # Without the agent its columns are empty: as many commas as between the column names.
    local counters=${agent_columns//[^,]/}
    if [[ $side == agent ]]; then
        if ! counters=$("$java" -cp "$jar" dev.offpool.benchmarks.servers.AgentCounters "$out/$name.agent.txt" \
            2>>"$out/$name.log"); then
            echo "no agent report in $out/$name.agent.txt"
            return 1
        fi
    fi
    local seconds
    seconds=$(awk -v us="${w[duration_us]}" 'BEGIN { printf "%.3f", us / 1e6 }')
    local rate
    rate=$(awk -v n="${w[requests]}" -v s="$seconds" 'BEGIN { printf "%.1f", n / s }')
    echo "$name,$configuration,$endpoint,$side,$round,${w[requests]},$seconds,$rate,${w[p50_us]},${w[p99_us]}," \
        "${w[p999_us]},${w[errors_socket]},${w[errors_timeout]},$peak_kib,$final_kib,$gc,$counters" \
        | tr -d ' ' >>"$csv"
    local summary="$name: $rate req/s, p99 ${w[p99_us]} us, peak RSS $((peak_kib / 1024)) MiB, GC pauses,ms,System.gc $gc"
    [[ $side == agent ]] && summary+="; agent $agent_columns $counters"
    echo "$summary"
}

failed=()
ran=0
for round in $(seq 1 "$rounds"); do
    for configuration in "${configurations[@]}"; do
        for endpoint in "${endpoints[@]}"; do
            [[ -n $only && ! "$configuration-$endpoint" =~ $only ]] && continue
            # Without, then with the agent: each pair of runs sees the machine in the same state.
            for side in jdk agent; do
                name="$configuration-$endpoint-$side-r$round"
                if message=$(run_one "$configuration" "$endpoint" "$side" "$round"); then
                    echo "$message" | tee -a "$log"
                else
                    echo "servers.sh: $name FAILED: $message; see $out/$name.*" | tee -a "$log" >&2
                    failed+=("$name")
                fi
                ran=$((ran + 1))
            done
        done
    done
done
if ((ran == 0)); then
    echo "servers.sh: no run matches --only '$only'" >&2
    exit 1
fi

echo "servers.sh: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end" | tee -a "$log"
if (($(wc -l <"$csv") > 1)); then
    "$java" -Djava.awt.headless=true -cp "$jar" dev.offpool.benchmarks.workload.report.ServerReport "$out" \
        | tee -a "$log"
fi
if ((${#failed[@]} > 0)); then
    echo "servers.sh: ${#failed[@]} run(s) failed: ${failed[*]}" >&2
    exit 1
fi
echo "servers.sh: $ran runs; figures in $out/figures.md"
