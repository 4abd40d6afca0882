# Lab exercise 01, the kit's solution: build in one stage, ship the binary in a second.
#
# Only the lesson of exercise 01: the runtime stage still runs as root, which exercise 02
# changes (its solution is the debian-slim variant, docker/debian-slim.Dockerfile).
#
#   docker build -f docker/lab/solutions/01-multi-stage.Dockerfile -t calc-kit/lab:solution-01 .

FROM rust:1.95-slim-trixie AS build

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

# Only the last stage becomes the image: a small Debian and one file from the first stage.
FROM debian:trixie-slim
COPY --from=build /out/calculator /usr/local/bin/calculator
ENTRYPOINT ["/usr/local/bin/calculator"]
