# Lab exercise 08, the kit's solution: a shell-less image, and a debug build of it.
#
#   docker build -f docker/lab/solutions/08-debug-shell.Dockerfile -t calc-kit/lab:solution-08 .
#   docker build -f docker/lab/solutions/08-debug-shell.Dockerfile --target debug -t calc-kit/lab:solution-08-debug .
#   docker run --rm -it --entrypoint busybox calc-kit/lab:solution-08-debug sh
#
# The default build is the last stage: the calculator alone, no shell. `--target debug`
# stops at the stage of that name: the same files plus one static busybox.

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

# ---- A static busybox, from Debian's package ----------------------------------------
FROM debian:trixie-slim AS busybox
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends busybox-static; \
    rm -rf /var/lib/apt/lists/*

# ---- What ships: the binary alone ---------------------------------------------------
FROM scratch AS release
COPY --from=build /out/calculator /calculator
USER 65532:65532
ENTRYPOINT ["/calculator"]

# ---- The debug build: the release's files plus busybox ------------------------------
# One static file: `busybox sh`, `busybox ls`, ... `docker run --entrypoint busybox`.
FROM release AS debug
COPY --from=busybox /bin/busybox /bin/busybox

# ---- The default build: the last stage, so without --target nothing of debug ships ---
FROM release
