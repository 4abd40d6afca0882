# The scratch variant with cargo-chef instead of manifest-first layering, for comparison
# only (`just bench -- --chef`; the kit ships docker/scratch.Dockerfile).
#
#   docker build -f docker/bench/scratch-chef.Dockerfile -t calc-kit/bench:scratch-cargo-chef .
#
# cargo-chef computes a "recipe" (the manifests, lock file and dummy targets) from the whole
# source tree in a planner stage; the build stage cooks the dependencies from the recipe
# alone, so that layer stays cached as long as the recipe is the same, whatever the sources.

FROM rust:1.95-slim-trixie AS chef
# Compiling cargo-chef itself takes minutes: this layer is cached after the first build.
RUN cargo install cargo-chef --locked
ENV RUSTFLAGS="-C target-feature=+crt-static"
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --target "$(rustc -vV | sed -n 's/^host: //p')" \
        --package calculator --recipe-path recipe.json
COPY . .
RUN set -eux; \
    target="$(rustc -vV | sed -n 's/^host: //p')"; \
    cargo build --release --locked -p calculator --target "$target"; \
    mkdir -p /out; \
    cp "target/$target/release/calculator" /out/calculator

FROM scratch
COPY --from=build /out/calculator /calculator
USER 65532:65532
ENTRYPOINT ["/calculator"]
