# Variant "distroless-cc": the same dynamically linked binary as debian-slim, on an image
# that has glibc and the C/C++ runtime libraries but no shell and no package manager.
#
#   docker build -f docker/distroless-cc.Dockerfile -t calc-kit/calculator:distroless-cc .
#
# Fewer files means less to patch and less for an intruder to use: there is no sh to exec
# into. The price: no shell for debugging either (use `docker cp` or a debug sidecar).

# ---- Stage 1: build -----------------------------------------------------------------
# Debian 13 builder for a Debian 13 runtime: the binary needs a glibc at least as new as
# the one it was linked against, and distroless cc-debian13 ships trixie's glibc.
FROM rust:1.95-slim-trixie AS build

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
    cargo build --release --locked -p calculator

# The real sources; touch so cargo rebuilds the calculator over the placeholder.
COPY calculator/src calculator/src
RUN set -eux; \
    touch calculator/src/*.rs; \
    cargo build --release --locked -p calculator; \
    mkdir -p /out; \
    cp target/release/calculator /out/calculator

# ---- Stage 2: run -------------------------------------------------------------------
# The :nonroot tag already runs as nonroot (65532) in /home/nonroot.
FROM gcr.io/distroless/cc-debian13:nonroot

LABEL org.opencontainers.image.title="calc-kit calculator (distroless-cc)" \
      org.opencontainers.image.description="Multi-stage build: the dynamically linked calculator on distroless cc (glibc, no shell, no package manager)" \
      org.opencontainers.image.source="https://github.com/calc-kit/calc-kit" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"

COPY --from=build /out/calculator /usr/local/bin/calculator

# Said again here so that a reader (and a linter) sees the final user in this file.
USER 65532:65532

# Exec form: there is no /bin/sh in this image, so the shell form could not even start.
ENTRYPOINT ["/usr/local/bin/calculator"]
