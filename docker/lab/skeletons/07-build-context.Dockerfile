# Lab exercise 07: shrink the build context.
#
# This Dockerfile is already right: the exercise is the build context it is built from.
# Before the first step runs, `docker build` sends the whole context folder to the engine;
# with nothing left out, that is target/ (gigabytes) and .git too. The legacy builder reads
# only the .dockerignore at the context's root, so this exercise has a context of its own:
# the repository filtered by docker/lab/07-context/.dockerignore.
#
#   cargo test -p harness --test lab        grades it (with every other exercise)
#
# The grader measures what that context would send (no target/, no .git, under the
# exercise's bound), builds this file from it and checks that the image still answers.
# Leave out too much (calculator/src, Cargo.lock) and a COPY below fails.
#
# TODO: nothing to change in this file; write docker/lab/07-context/.dockerignore.
# Chapter: docs/src/faster-rebuilds.md

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

# One file, one layer. Every extra file would have to earn its bytes: there is no
# /etc/passwd, because a numeric USER needs no name, and no CA bundle, because the
# calculator never opens a network connection.
COPY --from=build /out/calculator /calculator

# A user that exists nowhere is still a user: the kernel only checks numbers. 65532 is the
# uid distroless calls nonroot.
USER 65532:65532

# Exec form, the only form possible here: there is no /bin/sh to run a shell form.
ENTRYPOINT ["/calculator"]
