# Variant "scratch": the image is the binary and nothing else.
#
#   docker build -f docker/scratch.Dockerfile -t calc-kit/calculator:scratch .
#
# scratch is not an image you pull: it is the empty filesystem. No shell (so
# `docker exec ... sh` cannot work), no libc, no /etc, no /tmp. The calculator needs none of
# them: it is statically linked and keeps its REPL history only where a writable home
# exists (a scratch container has none, so the REPL simply runs without history).

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

# ---- Stage 2: run -------------------------------------------------------------------
FROM scratch

LABEL org.opencontainers.image.title="calc-kit calculator (scratch)" \
      org.opencontainers.image.description="Multi-stage build: the statically linked calculator alone in an empty image" \
      org.opencontainers.image.source="https://github.com/calc-kit/calc-kit" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"

# One file, one layer. Every extra file would have to earn its bytes: there is no
# /etc/passwd, because a numeric USER needs no name, and no CA bundle, because the
# calculator never opens a network connection.
COPY --from=build /out/calculator /calculator

# A user that exists nowhere is still a user: the kernel only checks numbers. 65532 is the
# uid distroless calls nonroot.
USER 65532:65532

# Exec form, the only form possible here: there is no /bin/sh to run a shell form.
ENTRYPOINT ["/calculator"]
