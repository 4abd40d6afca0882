# calc-kit: `just --list` shows every recipe.

# Run the graded lab and every test: the calculator, then each Dockerfile variant.
test:
    cargo test

# Options: just demo --help. The `tools` profile keeps the harness fast to build and to run.
# Build every variant with live progress, compare them side by side, run the calculator in each.
demo *ARGS:
    cargo run --profile tools -q -p harness -- demo {{ARGS}}

# Measure every variant; write docs/src/results.md and its chart docs/src/images/sizes.svg.
report *ARGS:
    cargo run --profile tools -q -p harness -- report {{ARGS}}

# Then `cargo test` grades the exercises, one line each, with a hint for the first failure.
# Start the graded lab: copy the exercise skeletons into docker/lab/, never over your work.
lab:
    cargo run --quiet -p harness -- lab init

# Start the calculator's REPL on this machine.
repl:
    cargo run --quiet --release -p calculator

# Make every base image the Dockerfiles use available: present, pulled, or a local stand-in.
bases *ARGS:
    docker/bases/build-bases.sh {{ARGS}}

# Save the base images to one file, for a room without a (fast) registry: just load-bundle FILE.
bundle FILE="calc-kit-bases.tar.gz": bases
    docker save $(docker/bases/build-bases.sh --list) | gzip -1 > {{FILE}}
    @ls -l {{FILE}}

# Load base images saved by `just bundle`.
load-bundle FILE:
    docker load -i {{FILE}}

# Build every variant of docker/variants.toml with the docker CLI, one after another.
images: bases
    #!/usr/bin/env bash
    set -euo pipefail
    repository="$(sed -n 's/^repository = "\(.*\)"/\1/p' docker/variants.toml)"
    for name in $(sed -n 's/^name = "\(.*\)"/\1/p' docker/variants.toml); do
        echo "==> docker build -f docker/$name.Dockerfile -t $repository:$name ."
        docker build -f "docker/$name.Dockerfile" -t "$repository:$name" .
    done
    docker image ls "$repository"

# One table, also written to docs/src/performance.md. Options: just bench --help.
# Measure sizes, cold builds, rebuilds and run times against the kit's performance goals.
bench *ARGS:
    cargo run --profile tools -q -p harness -- bench {{ARGS}}

# Build the walkthrough (docs/) as an mdBook into docs/book/; it also reads as plain Markdown.
docs:
    @command -v mdbook >/dev/null || { echo "mdbook is not installed: cargo install mdbook --locked"; exit 1; }
    mdbook build docs
    @echo "open docs/book/index.html"

# Measure every claim (smaller, more secure, faster) for every variant; takes minutes. Options: just claims --help.
claims *ARGS:
    cargo run --profile tools -q -p harness -- claims {{ARGS}}
