# Lab exercise 06: keep the dependency layer cached.
#
# This Dockerfile builds a working scratch image, but `COPY . .` puts every source file in
# the layer that compiles the dependencies: change one line of calculator/src and Docker
# compiles every crate again. On the two-core machine of docs/src/performance.md that is a
# whole cold build of this image, 37.5 s, where a rebuild of the calculator alone over
# cached dependencies takes 11.3 s; the gap grows with every dependency. The grader makes
# exactly that change (in memory, your files are not touched) and rebuilds: a `cargo` step
# must come from the cache.
#
#   cargo test -p harness --test lab        grades it (with every other exercise)
#
# Hint: Docker reuses a layer while the files its instruction reads are unchanged. Copy the
# manifests (Cargo.toml, Cargo.lock, calculator/Cargo.toml, harness/Cargo.toml) first,
# build the dependencies against placeholder sources (an empty main.rs and lib.rs for
# each crate), and only then copy calculator/src and build again; `touch` the real sources
# so cargo sees them as newer than the placeholders. Chapter: docs/src/faster-rebuilds.md

FROM rust:1.95-slim-trixie AS build

# A static executable (not a static PIE), as in the reference docker/scratch.Dockerfile.
ENV RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static"

WORKDIR /src

# TODO 1: copy only the manifests and Cargo.lock here, not everything.
COPY . .

# TODO 2: before this step, a step that builds the dependencies against placeholder sources.
# TODO 3: then COPY calculator/src calculator/src, and touch calculator/src/*.rs here.
RUN set -eux; \
    target="$(rustc -vV | sed -n 's/^host: //p')"; \
    cargo build --release --locked -p calculator --target "$target"; \
    mkdir -p /out; \
    cp "target/$target/release/calculator" /out/calculator

FROM scratch

COPY --from=build /out/calculator /calculator

USER 65532:65532

ENTRYPOINT ["/calculator"]
