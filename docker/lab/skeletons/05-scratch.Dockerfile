# Lab exercise 05: scratch.
#
# A static binary needs nothing from its image: not even distroless static. `FROM scratch`
# is the empty image; the calculator alone makes it about 1.4 MB.
#
#   cargo test -p harness --test lab        grades it (with every other exercise)
#
# Hint: scratch has no /etc/passwd, yet USER with numbers works: the kernel only checks
# numbers. It has no shell either: exec form is the only ENTRYPOINT that can run.
# Chapter: docs/src/variants/scratch.md

FROM rust:1.95-slim-trixie AS build

# A static executable (not a static PIE), as in the reference docker/scratch.Dockerfile.
ENV RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static"

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
    cargo build --release --locked -p calculator --target "$(rustc -vV | sed -n 's/^host: //p')"

COPY calculator/src calculator/src
RUN set -eux; \
    target="$(rustc -vV | sed -n 's/^host: //p')"; \
    touch calculator/src/*.rs; \
    cargo build --release --locked -p calculator --target "$target"; \
    mkdir -p /out; \
    cp "target/$target/release/calculator" /out/calculator

# TODO 1: FROM scratch
FROM gcr.io/distroless/static-debian13:nonroot

# TODO 2: anywhere will do; /calculator is the shortest path.
COPY --from=build /out/calculator /usr/local/bin/calculator

USER 65532:65532

# TODO 3: the path you copied the binary to.
ENTRYPOINT ["/usr/local/bin/calculator"]
