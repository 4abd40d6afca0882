# The glibc-static floor: a static C hello on scratch. No statically linked glibc program
# on scratch can be much smaller, so this is what the calculator's scratch image is measured
# against (`just bench`).
#
#   docker build -f docker/bench/glibc-static-hello.Dockerfile -t calc-kit/bench:glibc-static-hello .

# The Rust builder has gcc and libc6-dev (for the linker), which is all this needs.
FROM rust:1.95-slim-trixie AS build

WORKDIR /src
COPY docker/bench/hello.c hello.c
# -static links glibc in; -Os optimises for size; -s strips the symbols.
RUN gcc -static -Os -s -o /hello hello.c && /hello

FROM scratch
COPY --from=build /hello /hello
USER 65532:65532
ENTRYPOINT ["/hello"]
