# Sourced by run.sh, workloads.sh and servers.sh: installs the Debian packages the runs need (the native allocators
# the peers load, fonts for the plots), and finds the JDK to run.
# shellcheck shell=bash

# Installs Debian packages with apt-get (as root, or through sudo), after one apt-get update.
install_debian_packages() {
    if ! command -v apt-get >/dev/null; then
        echo "$(basename "$0"): missing $* and no apt-get to install them; install them by hand" >&2
        exit 1
    fi
    local sudo=()
    ((EUID == 0)) || sudo=(sudo)
    echo "$(basename "$0"): installing $*" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

# Installs the native allocators the peers need; apt-get update runs only when something is missing.
ensure_native_libraries() {
    local -A package_of=([libmimalloc.so.2]=libmimalloc2.0 [libjemalloc.so.2]=libjemalloc2)
    local missing=() library
    for library in "${!package_of[@]}"; do
        if ! ldconfig -p | grep -q "^[[:space:]]*$library "; then
            missing+=("${package_of[$library]}")
        fi
    done
    ((${#missing[@]} == 0)) && return
    install_debian_packages "${missing[@]}"
}

# The plots measure text with the JDK's font rasterizer, which needs fontconfig and a font.
ensure_fonts() {
    if command -v fc-list >/dev/null && [[ -n "$(fc-list 2>/dev/null | head -n 1)" ]]; then
        return
    fi
    install_debian_packages fontconfig fonts-dejavu-core
}

# Prints the newest java of version 25 or later under /usr/lib/jvm, read from each JDK's release file.
find_java() {
    if [[ -n "${OFFPOOL_JAVA:-}" ]]; then
        echo "$OFFPOOL_JAVA"
        return
    fi
    local home version best
    best=$(for home in /usr/lib/jvm/*/; do
        [[ -x "$home/bin/java" && -f "$home/release" ]] || continue
        version=$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$home/release")
        [[ "${version%%[.+-]*}" =~ ^[0-9]+$ ]] && ((${version%%[.+-]*} >= 25)) || continue
        printf '%s\t%s\n' "$version" "${home%/}/bin/java"
    done | sort -V | tail -n 1 | cut -f 2)
    if [[ -z "$best" ]]; then
        echo "$(basename "$0"): no JDK 25 or later under /usr/lib/jvm; set OFFPOOL_JAVA=/path/to/bin/java" >&2
        exit 1
    fi
    echo "$best"
}
