# Lab exercise 08: debug a shell-less image.
#
# This Dockerfile builds the scratch image: no shell, so `docker exec ... sh` cannot work.
# Keep it that way for what ships, and add a debug build of the same image that has one:
# `docker build --target debug` must give the same files plus a static busybox, so that
# `docker run --entrypoint busybox IMAGE sh -c 'echo ok'` prints ok, while the default
# build (the last stage) still has no shell.
#
#   cargo test -p harness --test lab        grades it (with every other exercise)
#
# Hint: Debian's busybox-static package installs one static /bin/busybox that needs no
# libc. Install it in a stage of its own, name the runtime stage, start a stage
# `FROM <runtime stage> AS debug` that copies /bin/busybox in, and end with a stage that is
# the runtime stage again (`FROM <runtime stage>`). Chapter: docs/src/debugging.md

# ---- Stage 1: build -----------------------------------------------------------------
FROM rust:1.95-slim-trixie AS build

# A static binary, for the builder's own target (see distroless-static.Dockerfile for why
# the target is named explicitly and why RUSTFLAGS is set before the dependency step).
ENV RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static"

WORKDIR /src

# Dependencies first, against placeholder sources, so that this layer stays cached until
# the manifests or Cargo.lock change (harness/ is a workspace member: it needs a stub too).
COPY Cargo.toml Cargo.lock ./
COPY calculator/Cargo.toml calculator/
COPY harness/Cargo.toml harness/
RUN set -eux; \
    for crate in calculator harness; do \
        mkdir -p "$crate/src"; \
        echo 'fn main() {}' > "$crate/src/main.rs"; \
        : > "$crate/src/lib.rs"; \
    done; \
    cargo build --release --locked -p calculator --target "$(rustc -vV | sed -n 's/^host: //p')"

# The real sources; touch so cargo rebuilds the calculator over the placeholder.
COPY calculator/src calculator/src
RUN set -eux; \
    target="$(rustc -vV | sed -n 's/^host: //p')"; \
    touch calculator/src/*.rs; \
    cargo build --release --locked -p calculator --target "$target"; \
    mkdir -p /out; \
    cp "target/$target/release/calculator" /out/calculator

# TODO 1: a stage FROM debian:trixie-slim that installs busybox-static.

# TODO 2: name this stage (AS release), so later stages can start from it.
FROM scratch
COPY --from=build /out/calculator /calculator
USER 65532:65532
ENTRYPOINT ["/calculator"]

# TODO 3: a stage `debug` from the runtime stage that copies /bin/busybox in, then a last
# stage that is the runtime stage again.
