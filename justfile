# calc-kit: `just --list` shows every recipe.

# The mdBook version the walkthrough is built with, here and by the Pages workflow.
mdbook_version := "0.5.4"
# The book's tooling (docs/tools/): a package outside the workspace, so `cargo test` never
# builds it.
book_tools := "cargo run --quiet --release --manifest-path docs/tools/Cargo.toml --"

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

# Then `just lab watch` re-grades the current exercise on every save (or `cargo test` grades
# them all); also `just lab list|hint N|solution N|reset N|grade`.
# Start the graded lab: copy the exercise skeletons into docker/lab/, never over your work.
lab *ARGS:
    cargo run --quiet -p harness -- lab {{ if ARGS == "" { "init" } else { ARGS } }}

# What is inside each built image: sizes, layers, files, packages, shell, user, entrypoint.
inspect *VARIANTS:
    @echo "inspecting {{ if VARIANTS == "" { "every variant" } else { VARIANTS } }}: each image is printed once measured (naive, 1.7 GB to read and gzip, takes the longest)"
    cargo run --profile tools -p harness -- inspect {{VARIANTS}}

# Check Dockerfiles against the rules for minimal images (the catalogue's when none is named).
lint *FILES:
    cargo run --profile tools -p harness -- lint {{FILES}}

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

# Build the walkthrough into docs/book/, warnings as errors. `just docs serve`: live reload.
docs *ARGS: _mdbook
    #!/usr/bin/env bash
    set -euo pipefail
    case "{{ARGS}}" in
        "") ;;
        serve|serve\ *) exec mdbook {{ARGS}} docs ;;
        *) echo "just docs: unknown argument '{{ARGS}}' (just docs, or just docs serve [--open])"; exit 2 ;;
    esac
    # The preprocessor that rewrites links to repository files; compiled once, visibly.
    cargo build --release --manifest-path docs/tools/Cargo.toml
    log="$(mktemp)"
    trap 'rm -f "$log"' EXIT
    mdbook build docs 2>&1 | tee "$log"
    if grep -E '(WARN|ERROR)' "$log" >/dev/null; then
        echo "just docs: mdBook warned (above): the book must build without a warning"
        exit 1
    fi
    echo "open docs/book/index.html"

# The book's checks: it builds, its links resolve, its Dockerfile snippets build, it renders in Chromium.
docs-check: docs
    #!/usr/bin/env bash
    set -euo pipefail
    if [[ -z "${CHROMIUM:-}" ]] && ! command -v chromium >/dev/null; then
        if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
            echo "installing Debian's chromium for the browser test"
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
                || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
        else
            echo "docs-check: the browser test needs Chromium: sudo apt-get install chromium (or set CHROMIUM to a Chrome or Chromium binary)"
            exit 1
        fi
    fi
    {{book_tools}} check-site
    {{book_tools}} check-demo
    {{book_tools}} check-snippets
    {{book_tools}} browser

# Install the pinned mdBook where it is missing or another version (once per machine: ~4 min).
[private]
_mdbook:
    #!/usr/bin/env bash
    set -euo pipefail
    want="{{mdbook_version}}"
    have="$(mdbook --version 2>/dev/null || true)"
    if [[ "$have" != "mdbook v$want" ]]; then
        command -v cargo >/dev/null || { echo "docs: needs mdBook $want: install Rust (rustup.rs), then cargo install mdbook --locked --version $want"; exit 1; }
        echo "installing mdBook $want${have:+ in place of $have} into cargo's bin directory (compiled once per machine, about 4 minutes)"
        cargo install mdbook --locked --version "$want"
    fi

# Record `just demo` as an asciinema cast for the comparing chapter, and write its text there.
record-demo:
    @command -v asciinema >/dev/null || { echo "record-demo: needs asciinema: sudo apt-get install asciinema"; exit 1; }
    asciinema rec --overwrite --quiet --cols 120 --rows 36 --idle-time-limit 3 --command "just demo" docs/src/demo/just-demo.cast
    {{book_tools}} demo-text

# Options: --bases (the stand-in base images too), --dry-run.
# Remove what the kit made (its images, lab backups, caches) and say how much disk it gave back.
clean *ARGS:
    cargo run --quiet -p harness -- clean {{ARGS}}

# Measure every claim (smaller, more secure, faster) for every variant; takes minutes. Options: just claims --help.
claims *ARGS:
    cargo run --profile tools -q -p harness -- claims {{ARGS}}
