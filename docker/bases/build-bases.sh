#!/usr/bin/env bash
# Make sure every base image the Dockerfile variants start FROM exists in the local engine.
#
# For each image: if it is already present, nothing happens; otherwise `docker pull` is tried
# (briefly); if no registry answers, a local stand-in is built under the upstream name from
# Debian packages and the host's Rust toolchain. Stand-ins carry the label
# io.calc-kit.stand-in=<upstream reference>, so tests and reports can say when sizes come from
# a stand-in rather than the real image. Safe to run again: present images are kept.
#
# Run `docker/bases/build-bases.sh --help` for the options.
set -euo pipefail

readonly STAND_IN_LABEL=io.calc-kit.stand-in
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

DEBIAN_SUITE="${DEBIAN_SUITE:-trixie}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
EXTRA_CA_DIR="${EXTRA_CA_DIR:-/usr/local/share/ca-certificates}"
PULL_TIMEOUT="${PULL_TIMEOUT:-60}"
pull=1
force=0

usage() {
    cat <<EOF
Usage: docker/bases/build-bases.sh [OPTIONS] [IMAGE...]

Make the base images of the calc-kit Dockerfiles available in the local Docker engine.
Without IMAGE arguments, the list comes from the FROM lines of docker/*.Dockerfile.

For each image: present locally -> kept; else docker pull (timeout ${PULL_TIMEOUT}s);
else a stand-in is built under the same name, labelled ${STAND_IN_LABEL}=<image>.

Stand-ins this script knows how to build:
  debian:trixie-slim, debian:trixie           debootstrap --variant=minbase, docker import
  buildpack-deps:trixie                       docker/bases/buildpack-deps.Dockerfile
  rust:1.95-slim-trixie, rust:1.95-trixie     docker/bases/rust.Dockerfile (host toolchain)
  gcr.io/distroless/static-debian13:nonroot   docker/bases/distroless.Dockerfile
  gcr.io/distroless/cc-debian13:nonroot       docker/bases/distroless.Dockerfile

Options:
  --list      print the base images the Dockerfiles use, then exit
  --no-pull   do not try docker pull (build stand-ins for whatever is missing)
  --force     rebuild the named stand-ins (all, without IMAGE) even if present; the
              bases they build on are kept; real upstream images (no stand-in
              label) are never replaced
  -h, --help  this text

Needs: a running Docker engine; for the Debian stand-ins also root and debootstrap
(apt-get install debootstrap); for the Rust stand-ins a Rust toolchain of the version
in the tag on this host (rustup toolchain install 1.95.0).

Environment: DEBIAN_MIRROR (${DEBIAN_MIRROR}), EXTRA_CA_DIR (${EXTRA_CA_DIR}: *.crt
files copied into the Rust builders' trust store), PULL_TIMEOUT (seconds).
EOF
}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-bases: error: %s\n' "$*" >&2; exit 1; }

# The base images of the variants: every FROM that names an image rather than an earlier
# stage (FROM ... AS name) or scratch (which is built in and never pulled).
images_from_dockerfiles() {
    local file
    for file in "$repo"/docker/*.Dockerfile; do
        awk '
            toupper($1) == "FROM" {
                image = ""; stage = ""
                for (i = 2; i <= NF; i++) {
                    if ($i ~ /^--/) continue
                    if (image == "") { image = $i; continue }
                    if (toupper($i) == "AS") stage = $(i + 1)
                }
                if (image != "scratch" && !(image in stages)) print image
                if (stage != "") stages[stage] = 1
            }' "$file"
    done | sort -u
}

present() { docker image inspect "$1" >/dev/null 2>&1; }
is_stand_in() {
    [[ -n "$(docker image inspect --format "{{ index .Config.Labels \"$STAND_IN_LABEL\" }}" "$1" 2>/dev/null)" ]]
}

# Scratch space for the debootstrap tree and build contexts, removed on exit.
work=""
cleanup() { if [[ -n "$work" ]]; then rm -rf "$work"; fi; }
trap cleanup EXIT
workdir() {
    if [[ -z "$work" ]]; then work="$(mktemp -d /var/tmp/calc-kit-bases.XXXXXX)"; fi
    printf '%s\n' "$work"
}

# ---------------------------------------------------------------------------------------
# Debian: debootstrap once per run, then import the tree (debian:trixie) and/or a slimmed
# copy of it (debian:trixie-slim).

minbase=""
make_minbase() {
    [[ -n "$minbase" ]] && return 0
    [[ "$(id -u)" -eq 0 ]] || die "building a Debian stand-in needs root (debootstrap chroots): run this script with sudo"
    command -v debootstrap >/dev/null || die "debootstrap is not installed: apt-get install -y debootstrap (or load a bundle: just load-bundle FILE)"
    minbase="$(workdir)/minbase"
    say "debootstrap --variant=minbase $DEBIAN_SUITE from $DEBIAN_MIRROR (about half a minute)"
    debootstrap --variant=minbase "$DEBIAN_SUITE" "$minbase" "$DEBIAN_MIRROR" >"$(workdir)/debootstrap.log" 2>&1 \
        || { tail -n 20 "$(workdir)/debootstrap.log" >&2; die "debootstrap failed (log above): is $DEBIAN_MIRROR reachable?"; }

    # apt sources as the official images have them: the release, its updates and security.
    rm -f "$minbase/etc/apt/sources.list"
    cat >"$minbase/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${DEBIAN_MIRROR}
Suites: ${DEBIAN_SUITE} ${DEBIAN_SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_MIRROR%/debian}/debian-security
Suites: ${DEBIAN_SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    # Container-friendly apt, like the official images: downloaded .deb files are deleted
    # after each install, no translated descriptions are fetched, and no service tries to
    # start inside a build (policy-rc.d answering 101 means "not allowed").
    cat >"$minbase/etc/apt/apt.conf.d/docker-clean" <<'EOF'
// Delete downloaded packages once installed: an image layer should not keep them.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    printf 'Acquire::Languages "none";\n' >"$minbase/etc/apt/apt.conf.d/docker-no-languages"
    printf '#!/bin/sh\nexit 101\n' >"$minbase/usr/sbin/policy-rc.d"
    chmod 0755 "$minbase/usr/sbin/policy-rc.d"

    # Leave nothing of this machine or of the bootstrap behind.
    rm -rf "$minbase"/var/lib/apt/lists/* "$minbase"/var/cache/apt/*.bin \
           "$minbase"/var/cache/apt/archives/*.deb "$minbase"/var/log/bootstrap.log
    find "$minbase/var/log" -type f -exec truncate -s 0 {} +
    : >"$minbase/etc/machine-id"
    rm -f "$minbase/etc/hostname" "$minbase/etc/resolv.conf"
}

import_rootfs() { # DIR IMAGE DESCRIPTION
    say "docker import $2"
    tar --numeric-owner --xattrs -C "$1" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' \
        --change "LABEL $STAND_IN_LABEL=\"$2\" $STAND_IN_LABEL.description=\"$3\"" \
        --message "stand-in for $2 (docker/bases/build-bases.sh)" \
        - "$2" >/dev/null
}

build_debian() {
    make_minbase
    import_rootfs "$minbase" "debian:$DEBIAN_SUITE" \
        "Local stand-in for debian:$DEBIAN_SUITE: debootstrap --variant=minbase, built by docker/bases/build-bases.sh because no registry was reachable."
}

build_debian_slim() {
    make_minbase
    local slim
    slim="$(workdir)/slim"
    rm -rf "$slim"
    cp -a "$minbase" "$slim"
    # Debian's slim images: the same packages without documentation, manual pages and
    # translations. The dpkg rule keeps them out of packages installed later, too; the
    # copyright files stay, because the licences require them.
    cat >"$slim/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# Slim image: leave documentation, manual pages and translations out of every install.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    find "$slim/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$slim/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$slim"/usr/share/man/* "$slim"/usr/share/groff/* "$slim"/usr/share/info/* \
           "$slim"/usr/share/lintian/* "$slim"/usr/share/linda/*
    find "$slim/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    import_rootfs "$slim" "debian:$DEBIAN_SUITE-slim" \
        "Local stand-in for debian:$DEBIAN_SUITE-slim: debootstrap --variant=minbase without docs, man pages and locales, built by docker/bases/build-bases.sh because no registry was reachable."
}

# ---------------------------------------------------------------------------------------
# Images built from a Dockerfile in this folder.

docker_build() { # IMAGE DOCKERFILE CONTEXT [--build-arg ...]
    local image="$1" dockerfile="$2" context="$3"
    shift 3
    say "docker build $image (docker/bases/$(basename "$dockerfile"))"
    cp "$dockerfile" "$context/Dockerfile.stand-in"
    local log
    log="$(workdir)/build-${image//[^A-Za-z0-9]/_}.log"
    if ! docker build --pull=false -f "$context/Dockerfile.stand-in" -t "$image" \
            --build-arg "STAND_IN=$image" "$@" "$context" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        die "building the stand-in $image failed (last lines above)"
    fi
}

build_buildpack_deps() { # IMAGE
    ensure "debian:$DEBIAN_SUITE"
    local ctx
    ctx="$(workdir)/ctx-buildpack"
    mkdir -p "$ctx"
    docker_build "$1" "$here/buildpack-deps.Dockerfile" "$ctx" --build-arg "BASE=debian:$DEBIAN_SUITE"
}

build_distroless() { # IMAGE PACKAGES...
    local image="$1"
    shift
    ensure "debian:$DEBIAN_SUITE-slim"
    local ctx
    ctx="$(workdir)/ctx-distroless"
    mkdir -p "$ctx"
    docker_build "$image" "$here/distroless.Dockerfile" "$ctx" \
        --build-arg "DEBIAN=debian:$DEBIAN_SUITE-slim" --build-arg "PACKAGES=$*"
}

# The host toolchain whose version starts with WANT (1.95 -> 1.95.0): prints its sysroot.
host_toolchain() { # WANT
    local want="$1" tc sysroot version
    if command -v rustup >/dev/null; then
        while read -r tc _; do
            [[ -n "$tc" ]] || continue
            version="$(rustup run "$tc" rustc -V 2>/dev/null | awk '{print $2}')" || continue
            if [[ "$version" == "$want" || "$version" == "$want".* ]]; then
                readlink -f "$(rustup run "$tc" rustc --print sysroot)"
                return 0
            fi
        done < <(rustup toolchain list)
    fi
    if command -v rustc >/dev/null; then
        version="$(rustc -V | awk '{print $2}')"
        if [[ "$version" == "$want" || "$version" == "$want".* ]]; then
            sysroot="$(rustc --print sysroot)"
            readlink -f "$sysroot"
            return 0
        fi
    fi
    return 1
}

# The build context for rust.Dockerfile: the host's extra CA certificates, and rustup's
# "minimal" profile of the host toolchain (rustc, cargo, rust-std; no docs, clippy, rustfmt
# or sources), laid out as the official images have it under /usr/local.
rust_context() { # WANT_VERSION CONTEXT
    local want="$1" ctx="$2" sysroot version host toolchain component manifest
    sysroot="$(host_toolchain "$want")" \
        || die "no Rust $want toolchain on this host: install one (rustup toolchain install $want) or load a bundle (just load-bundle FILE)"
    version="$("$sysroot/bin/rustc" -V | awk '{print $2}')"
    host="$("$sysroot/bin/rustc" -vV | sed -n 's/^host: //p')"
    toolchain="$version-$host"
    say "Rust $version ($host) from $sysroot"

    rm -rf "$ctx"
    mkdir -p "$ctx/ca" "$ctx/usr/local/rustup/toolchains/$toolchain" "$ctx/usr/local/cargo/bin"
    if compgen -G "$EXTRA_CA_DIR/*.crt" >/dev/null; then
        cp "$EXTRA_CA_DIR"/*.crt "$ctx/ca/"
    fi

    local dest="$ctx/usr/local/rustup/toolchains/$toolchain" list="$ctx/files"
    : >"$list"
    : >"$dest.components"
    for component in rustc cargo rust-std; do
        manifest="lib/rustlib/manifest-$component-$host"
        [[ -f "$sysroot/$manifest" ]] || die "$sysroot has no $component component ($manifest)"
        sed -n 's/^\(file\|dir\)://p' "$sysroot/$manifest" >>"$list"
        printf '%s\n' "$manifest" >>"$list"
        printf '%s\n' "$component-$host" >>"$dest.components"
    done
    for extra in lib/rustlib/rust-installer-version lib/rustlib/multirust-channel-manifest.toml \
                 lib/rustlib/multirust-config.toml; do
        [[ -e "$sysroot/$extra" ]] && printf '%s\n' "$extra" >>"$list"
    done
    tar -C "$sysroot" -cf - -T "$list" | tar -C "$dest" -xf -
    mv "$dest.components" "$dest/lib/rustlib/components"
    rm -f "$list"

    cat >"$ctx/usr/local/rustup/settings.toml" <<EOF
version = "12"
default_toolchain = "$toolchain"
profile = "minimal"
auto_self_update = "disable"

[overrides]
EOF
    local rustup_bin
    if rustup_bin="$(command -v rustup)" && [[ "$(basename "$(readlink -f "$rustup_bin")")" == rustup* ]]; then
        cp "$(readlink -f "$rustup_bin")" "$ctx/usr/local/cargo/bin/rustup"
    fi
    chmod -R a+w "$ctx/usr/local/rustup" "$ctx/usr/local/cargo"
    printf '%s\n' "$version"
}

build_rust() { # IMAGE BASE PACKAGES
    local image="$1" base="$2" packages="$3" want ctx version
    want="${image#rust:}"
    want="${want%%-*}"
    ensure "$base"
    ctx="$(workdir)/ctx-rust"
    version="$(rust_context "$want" "$ctx")"
    docker_build "$image" "$here/rust.Dockerfile" "$ctx" \
        --build-arg "BASE=$base" --build-arg "PACKAGES=$packages" --build-arg "RUST_VERSION=$version"
}

build_stand_in() { # IMAGE
    local image="$1"
    case "$image" in
        "debian:$DEBIAN_SUITE-slim") build_debian_slim ;;
        "debian:$DEBIAN_SUITE") build_debian ;;
        "buildpack-deps:$DEBIAN_SUITE") build_buildpack_deps "$image" ;;
        rust:*-slim-"$DEBIAN_SUITE")
            build_rust "$image" "debian:$DEBIAN_SUITE-slim" "ca-certificates gcc libc6-dev" ;;
        rust:*-"$DEBIAN_SUITE")
            build_rust "$image" "buildpack-deps:$DEBIAN_SUITE" "" ;;
        gcr.io/distroless/static-debian13:nonroot)
            build_distroless "$image" base-files netbase tzdata ca-certificates media-types ;;
        gcr.io/distroless/cc-debian13:nonroot)
            build_distroless "$image" base-files netbase tzdata ca-certificates media-types \
                libc6 libgcc-s1 libstdc++6 libgomp1 ;;
        *) die "no stand-in recipe for $image: add one to docker/bases/build-bases.sh, or docker load it" ;;
    esac
    present "$image" || die "$image was built but is not in the engine"
    say "$image: stand-in ready ($(docker image inspect --format '{{.Size}}' "$image" | awk '{printf "%.1f MB", $1 / 1e6}'))"
}

# --force applies to the images asked for, not to the bases they are built from.
declare -A done_images=() forced=()
ensure() { # IMAGE
    local image="$1"
    [[ -n "${done_images[$image]:-}" ]] && return 0
    done_images[$image]=1
    if present "$image"; then
        if ! is_stand_in "$image"; then
            say "$image: present"
            return 0
        fi
        if [[ -z "${forced[$image]:-}" ]]; then
            say "$image: present (stand-in)"
            return 0
        fi
        say "$image: present (stand-in), rebuilding because of --force"
    else
        if [[ $pull -eq 1 ]]; then
            say "$image: not present, trying docker pull (at most ${PULL_TIMEOUT} s)"
            if timeout "$PULL_TIMEOUT" docker pull --quiet "$image" >/dev/null 2>&1; then
                say "$image: pulled"
                return 0
            fi
        fi
        say "$image: not pulled, building a local stand-in"
    fi
    build_stand_in "$image"
}

main() {
    local images=() list=0
    while [[ $# -gt 0 ]]; do
        case "$1" in
            -h | --help) usage; exit 0 ;;
            --list) list=1 ;;
            --no-pull) pull=0 ;;
            --force) force=1 ;;
            -*) usage >&2; die "unknown option $1" ;;
            *) images+=("$1") ;;
        esac
        shift
    done
    if [[ ${#images[@]} -eq 0 ]]; then
        mapfile -t images < <(images_from_dockerfiles)
        [[ ${#images[@]} -gt 0 ]] || die "no FROM lines found in $repo/docker/*.Dockerfile"
    fi
    if [[ $list -eq 1 ]]; then printf '%s\n' "${images[@]}"; exit 0; fi

    command -v docker >/dev/null || die "the docker CLI is not installed"
    docker info >/dev/null 2>&1 || die "no Docker engine answers (is dockerd running? try: sudo dockerd &)"

    local start=$SECONDS image
    if [[ $force -eq 1 ]]; then
        for image in "${images[@]}"; do forced[$image]=1; done
    fi
    for image in "${images[@]}"; do ensure "$image"; done
    say "base images ready in $((SECONDS - start)) s: ${images[*]}"
}

main "$@"
