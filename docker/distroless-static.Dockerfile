# Variant "distroless-static": a statically linked binary on distroless static, which has
# no libc at all, only what a program may read at run time: CA certificates, time zones,
# /etc/passwd with a nonroot user, /tmp.
#
#   docker build -f docker/distroless-static.Dockerfile -t calc-kit/calculator:distroless-static .

# ---- Stage 1: build -----------------------------------------------------------------
FROM rust:1.95-slim-trixie AS build

# crt-static links glibc into the binary, so it runs where no libc exists. RUSTFLAGS
# applies to everything cargo compiles for the target; the builds below therefore name the
# target explicitly (--target), which keeps build scripts and proc-macros, compiled for the
# build machine itself, dynamically linked as they must be. The target is the builder's
# own (the "host:" line of rustc -vV): the same file builds on x86_64 and on arm64.
# Set here, before the dependency step, so both builds use the same flags and the
# dependency cache stays valid.
# relocation-model=static makes a classic static executable rather than a static-pie
# one: the binary's own code loads at a fixed address (stack, heap and mmap areas are still
# randomised), and the table of load-time relocations, about 57 KB, is not needed. A
# measured trade-off of a little address randomisation for size: docs/src/binary-size.md.
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

# The real sources; touch so cargo rebuilds the calculator over the placeholder. The
# binary's path contains the target name, so it is copied to a fixed one for stage 2.
COPY calculator/src calculator/src
RUN set -eux; \
    target="$(rustc -vV | sed -n 's/^host: //p')"; \
    touch calculator/src/*.rs; \
    cargo build --release --locked -p calculator --target "$target"; \
    mkdir -p /out; \
    cp "target/$target/release/calculator" /out/calculator

# ---- Stage 2: run -------------------------------------------------------------------
FROM gcr.io/distroless/static-debian13:nonroot

LABEL org.opencontainers.image.title="calc-kit calculator (distroless-static)" \
      org.opencontainers.image.description="Multi-stage build: the statically linked calculator on distroless static (no libc, no shell)" \
      org.opencontainers.image.source="https://github.com/calc-kit/calc-kit" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"

COPY --from=build /out/calculator /usr/local/bin/calculator

# The :nonroot tag already sets this; said again so the final user is visible here.
USER 65532:65532

# Exec form: there is no shell in this image to run a shell-form command.
ENTRYPOINT ["/usr/local/bin/calculator"]
