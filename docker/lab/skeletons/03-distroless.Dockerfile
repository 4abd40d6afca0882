# Lab exercise 03: distroless.
#
# The calculator is dynamically linked against glibc, so its image needs glibc, but nothing
# else: no shell, no package manager, no coreutils. Google's distroless "cc" image is that.
# Move the runtime stage from debian:trixie-slim to gcr.io/distroless/cc-debian13:nonroot.
#
#   cargo test -p harness --test lab        grades it (with every other exercise)
#
# Hint: there is no shell in distroless, so no RUN can execute in that stage; its :nonroot
# tag already has a user (nonroot, 65532). Chapter: docs/src/variants/distroless-cc.md

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

# TODO 1: FROM gcr.io/distroless/cc-debian13:nonroot
FROM debian:trixie-slim

# TODO 2: distroless has no shell to run this, and :nonroot already has a user: remove it.
RUN groupadd --system --gid 10001 calculator \
 && useradd --system --uid 10001 --gid calculator --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin calculator

COPY --from=build /out/calculator /usr/local/bin/calculator

# TODO 3: the :nonroot user is 65532:65532.
USER 10001:10001

ENTRYPOINT ["/usr/local/bin/calculator"]
