# Lab exercise 01: multi-stage.
#
# This Dockerfile works, but it has one stage: the Rust toolchain, the sources and the whole
# target/ directory all end up in the image. Split it in two: build in the first stage, then
# start a second stage FROM debian:trixie-slim that copies only the calculator out of it.
#
#   cargo test -p harness --test lab        grades it (with every other exercise)
#   docker build -f docker/lab/01-multi-stage.Dockerfile -t calc-kit/lab:01-multi-stage .
#
# Hint: only the last stage becomes the image. `COPY --from=<stage> SRC DEST` copies a file
# out of an earlier stage. Chapter: docs/src/theory/multi-stage.md

# TODO 1: give this stage a name, so that a later stage can copy from it: ... AS build
FROM rust:1.95-slim-trixie

WORKDIR /src

# Dependencies first, built against placeholder sources (exercise 06 explains why).
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

COPY calculator/src calculator/src
RUN set -eux; \
    touch calculator/src/*.rs; \
    cargo build --release --locked -p calculator; \
    mkdir -p /out; \
    cp target/release/calculator /out/calculator

# TODO 2: start the second stage here: FROM debian:trixie-slim
# TODO 3: copy the binary out of the first stage:
#         COPY --from=build /out/calculator /usr/local/bin/calculator
# TODO 4: point the ENTRYPOINT at the copied binary (keep the exec form, a JSON list).
ENTRYPOINT ["/out/calculator"]
