# Lab exercise 02: ship only the binary, as a non-root user.
#
# This Dockerfile is multi-stage already, but its last stage copies the whole build tree
# (sources, target/, every intermediate file) and runs as root. Copy only the calculator,
# and run it as a user of its own.
#
#   cargo test -p harness --test lab        grades it (with every other exercise)
#
# Hint: `docker image ls` and `docker history calc-kit/lab:02-binary-only-non-root` show
# where the size comes from. A numeric USER (uid:gid) is what tools check for.
# Chapter: docs/src/variants/debian-slim.md

FROM rust:1.95-slim-trixie AS build

WORKDIR /src

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

FROM debian:trixie-slim

# TODO 1: copy only the binary: COPY --from=build /out/calculator /usr/local/bin/calculator
COPY --from=build /src /src

# TODO 2: create a system user and group with a fixed id (10001), no home, no login shell:
#         RUN groupadd --system --gid 10001 calculator \
#          && useradd --system --uid 10001 --gid calculator --no-create-home \
#                 --home-dir /nonexistent --shell /usr/sbin/nologin calculator
# TODO 3: run as that user, by number: USER 10001:10001

# TODO 4: point the ENTRYPOINT at the copied binary.
ENTRYPOINT ["/src/target/release/calculator"]
