# Variant "naive": one stage, the way a first Dockerfile usually looks.
#
#   docker build -f docker/naive.Dockerfile -t calc-kit/calculator:naive .
#
# It works, and it is what the other variants improve on: the image keeps the full Rust
# toolchain, a C compiler, hundreds of -dev packages, the sources and the whole target/
# directory, about a thousand times the size of the one file that runs. It also runs as
# root. Compare it with `docker history` and `docker image ls` against scratch.
FROM rust:1.95-trixie

LABEL org.opencontainers.image.title="calc-kit calculator (naive)" \
      org.opencontainers.image.description="Single-stage build: toolchain, sources and build output all shipped, running as root" \
      org.opencontainers.image.source="https://github.com/calc-kit/calc-kit" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"

WORKDIR /usr/src/calc-kit

# Even a naive image can keep its dependencies cached: manifests and lock file first, the
# dependencies built against placeholder sources, and only then the real sources. (The
# single stage is the lesson here, not the cache.)
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
RUN touch calculator/src/*.rs && cargo build --release --locked -p calculator

# No USER line: the container runs as root, as in most first Dockerfiles.
ENTRYPOINT ["/usr/src/calc-kit/target/release/calculator"]
