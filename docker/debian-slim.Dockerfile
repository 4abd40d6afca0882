# Variant "debian-slim": build in one stage, ship only the binary in a second, small one.
#
#   docker build -f docker/debian-slim.Dockerfile -t calc-kit/calculator:debian-slim .
#
# Stage 1 has the whole Rust toolchain (about 900 MB); stage 2 starts again from a small
# Debian and copies one file out of stage 1. Only the last stage becomes the image.
#
# The builder and the runtime are the same Debian release (13, trixie): a binary linked
# against glibc needs a glibc at least as new as the one it was built with.

# ---- Stage 1: build -----------------------------------------------------------------
# A pinned tag (never :latest): the same Dockerfile builds the same thing next year.
FROM rust:1.95-slim-trixie AS build

WORKDIR /src

# Dependencies first. Docker reuses a layer as long as the files its instruction reads are
# unchanged, so this step copies only the manifests and the lock file, builds every
# dependency against empty placeholder sources, and is reused from the cache until a
# manifest or Cargo.lock changes. harness/ is a workspace member too: cargo wants its
# manifest and a source file to exist, even though only the calculator is built.
COPY Cargo.toml Cargo.lock ./
COPY calculator/Cargo.toml calculator/
COPY harness/Cargo.toml harness/
RUN set -eux; \
    for crate in calculator harness; do \
        mkdir -p "$crate/src"; \
        echo 'fn main() {}' > "$crate/src/main.rs"; \
        : > "$crate/src/lib.rs"; \
    done; \
    cargo build --release --locked -p calculator

# Then the real sources: a change here rebuilds only the calculator itself. COPY keeps the
# files' own modification times, which can be older than the placeholder build; touch makes
# cargo see them as new.
COPY calculator/src calculator/src
RUN set -eux; \
    touch calculator/src/*.rs; \
    cargo build --release --locked -p calculator; \
    mkdir -p /out; \
    cp target/release/calculator /out/calculator

# ---- Stage 2: run -------------------------------------------------------------------
FROM debian:trixie-slim

LABEL org.opencontainers.image.title="calc-kit calculator (debian-slim)" \
      org.opencontainers.image.description="Multi-stage build: the calculator on Debian 13 slim, as a non-root user" \
      org.opencontainers.image.source="https://github.com/calc-kit/calc-kit" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"

# A user of our own: a process that runs as root in a container is root on the files it can
# reach. A fixed uid (10001, outside the range distributions hand out) makes the user the
# same on every host; --no-create-home because the calculator needs no home to run.
RUN groupadd --system --gid 10001 calculator \
 && useradd --system --uid 10001 --gid calculator --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin calculator

COPY --from=build /out/calculator /usr/local/bin/calculator

# Numeric, so that tools can tell it is not root without reading /etc/passwd.
USER 10001:10001

# Exec form (a JSON list): the calculator is PID 1 itself and receives docker stop's
# SIGTERM; the shell form would put /bin/sh in between. Arguments after the image name are
# appended: docker run IMAGE 6 '*' 7.
ENTRYPOINT ["/usr/local/bin/calculator"]
