# Stand-in for the official Rust images (rust:1.95-slim-trixie and rust:1.95-trixie), for
# machines that cannot reach a registry. build-bases.sh prepares the build context:
#
#   ca/          the host's extra CA certificates (*.crt), possibly none
#   usr/local/   rustup/ (settings.toml + one toolchain, rustup's "minimal" profile:
#                rustc, cargo, rust-std) and cargo/bin/ (the rustup binary, if the host has one)
#
# The official images install the same thing with rustup-init --profile minimal; here the
# toolchain comes from the host instead of the network, so a stand-in needs no registry and
# no download from static.rust-lang.org.
#
# BASE picks the flavour: debian:trixie-slim for the slim builder (the official slim image
# adds only gcc, libc6-dev and ca-certificates), or the buildpack-deps-like image that
# build-bases.sh makes for rust:1.95-trixie (which already has those and much more).
ARG BASE=debian:trixie-slim
FROM ${BASE}

ARG STAND_IN=rust:1.95-slim-trixie
ARG PACKAGES="ca-certificates gcc libc6-dev"
ARG RUST_VERSION=1.95.0

# The same environment as the official images: tools installed with cargo install and the
# rustup proxies (cargo, rustc, ...) live in /usr/local/cargo/bin, first on PATH.
ENV RUSTUP_HOME=/usr/local/rustup \
    CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    RUST_VERSION=${RUST_VERSION}

# Extra CA certificates first, so that installing ca-certificates below already trusts them:
# behind a TLS-intercepting proxy cargo cannot fetch crates without them.
COPY ca/ /usr/local/share/ca-certificates/

# One RUN: the package lists are fetched, used and deleted in the same layer, so they never
# take space in the image. An empty PACKAGES (the buildpack-deps base has them all) skips
# apt entirely. update-ca-certificates runs in any case, since ca-certificates may have
# been installed before the extra certificates arrived.
RUN set -eux; \
    if [ -n "${PACKAGES}" ]; then \
        apt-get update; \
        apt-get install -y --no-install-recommends ${PACKAGES}; \
        rm -rf /var/lib/apt/lists/*; \
    fi; \
    update-ca-certificates

# The toolchain: mode bits were set in the context (world-writable like the official
# images, so any user can cargo install), because a chmod in a later RUN would copy every
# file into a second layer and double the image.
COPY usr/local/ /usr/local/

# The rustup proxies are symbolic links to rustup, which looks at the name it was called
# by; as in the official image, cargo-clippy or rustfmt then say that their component is
# not installed. Without rustup on the host, only the tools the toolchain has get a link,
# straight into the toolchain.
RUN set -eux; \
    toolchain="$(ls "$RUSTUP_HOME/toolchains")"; \
    for tool in cargo cargo-clippy cargo-fmt clippy-driver rustc rustdoc rustfmt rust-gdb rust-gdbgui rust-lldb; do \
        if [ -x "$CARGO_HOME/bin/rustup" ]; then \
            ln -sf rustup "$CARGO_HOME/bin/$tool"; \
        elif [ -e "$RUSTUP_HOME/toolchains/$toolchain/bin/$tool" ]; then \
            ln -sf "$RUSTUP_HOME/toolchains/$toolchain/bin/$tool" "$CARGO_HOME/bin/$tool"; \
        fi; \
    done; \
    cargo --version; \
    rustc --version

LABEL io.calc-kit.stand-in="${STAND_IN}" \
      io.calc-kit.stand-in.description="Local stand-in for ${STAND_IN}: Debian trixie packages plus the host's Rust ${RUST_VERSION} toolchain (rustup minimal profile), built by docker/bases/build-bases.sh because no registry was reachable."

CMD ["bash"]
