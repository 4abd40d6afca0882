# Lab exercise 04: a static binary on distroless static.
#
# gcr.io/distroless/static-debian13 has no libc at all: only CA certificates, time zones
# and /etc/passwd. The runtime stage below is already that image, but the binary is still
# linked against glibc, so it cannot start there. Link it statically.
#
#   cargo test -p harness --test lab        grades it (with every other exercise)
#
# Hint: `-C target-feature=+crt-static` in RUSTFLAGS links glibc into the binary. With an
# explicit --target, cargo applies RUSTFLAGS to the program only, not to build scripts and
# proc-macros (which must stay dynamic); the binary then lands in target/<target>/release/.
# `rustc -vV | sed -n 's/^host: //p'` prints the builder's own target.
# `-C relocation-model=static` as well makes a static executable rather than a static PIE,
# about 56 kB smaller, as the reference docker/distroless-static.Dockerfile does.
# Chapter: docs/src/variants/distroless-static.md

FROM rust:1.95-slim-trixie AS build

# TODO 1: ENV RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static"
#         (here, before the dependency step, so that both builds use the same flags)

WORKDIR /src

COPY Cargo.toml Cargo.lock ./
COPY calculator/Cargo.toml calculator/
COPY harness/Cargo.toml harness/
# TODO 2: add --target "$(rustc -vV | sed -n 's/^host: //p')" to this cargo build ...
RUN set -eux; \
    for crate in calculator harness; do \
        mkdir -p "$crate/src"; \
        echo 'fn main() {}' > "$crate/src/main.rs"; \
        : > "$crate/src/lib.rs"; \
    done; \
    cargo build --release --locked -p calculator

COPY calculator/src calculator/src
# TODO 3: ... and to this one, and copy the binary from target/<target>/release/calculator.
RUN set -eux; \
    touch calculator/src/*.rs; \
    cargo build --release --locked -p calculator; \
    mkdir -p /out; \
    cp target/release/calculator /out/calculator

FROM gcr.io/distroless/static-debian13:nonroot

COPY --from=build /out/calculator /usr/local/bin/calculator

USER 65532:65532

ENTRYPOINT ["/usr/local/bin/calculator"]
