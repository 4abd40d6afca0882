# Stand-in for Google's distroless images (gcr.io/distroless/static-debian13:nonroot and
# gcr.io/distroless/cc-debian13:nonroot), for machines that cannot reach a registry.
#
# Distroless is not a distribution: it is a handful of Debian packages unpacked into an
# empty filesystem, without their maintainer scripts, without a shell, without apt or dpkg.
# This file does the same in two stages, which is itself a small lesson in multi-stage
# builds: a full Debian stage does the work, and only its result is copied into scratch.
#
#   static: base-files netbase tzdata ca-certificates media-types
#   cc:     the same plus libc6 libgcc-s1 libstdc++6 libgomp1 (what a C/C++/Rust program
#           linked against glibc needs at run time)
#
# build-bases.sh passes PACKAGES and STAND_IN; the defaults make the static flavour.
ARG DEBIAN=debian:trixie-slim
FROM ${DEBIAN} AS assemble

ARG PACKAGES="base-files netbase tzdata ca-certificates media-types"

WORKDIR /work

# apt-get download fetches the .deb files of exactly the packages named, of the release the
# stage runs (trixie), without installing them; dpkg-deb -x unpacks one into /rootfs.
# Nothing of the packages' install scripts runs, so whatever those scripts would make is
# made by hand further down. ca-certificates is also installed in this stage, because its
# install script is what builds the one-file bundle that programs actually read.
# base-files goes first: it lays out the directories (and, on trixie, the /bin -> usr/bin
# style links) that the other packages unpack into.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates; \
    apt-get download ${PACKAGES}; \
    mkdir -p /rootfs/var/lib/dpkg/status.d; \
    for deb in base-files_*.deb $(ls *.deb | grep -v "^base-files_"); do \
        pkg="$(dpkg-deb --field "$deb" Package)"; \
        dpkg-deb --extract "$deb" /rootfs; \
        dpkg-deb --field "$deb" > "/rootfs/var/lib/dpkg/status.d/$pkg"; \
    done; \
    rm -rf /var/lib/apt/lists/*

# Slim the result the way distroless does: keep the licences (copyright files), drop the
# rest of the documentation, manuals and the loose certificate files; keep the bundle.
RUN set -eux; \
    cd /rootfs; \
    find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete; \
    find usr/share/doc -mindepth 1 -type d -empty -delete; \
    rm -rf usr/share/man usr/share/info usr/share/lintian usr/share/locale usr/share/ca-certificates \
           usr/sbin/update-ca-certificates etc/ca-certificates etc/ca-certificates.conf \
           usr/share/bug usr/share/gcc usr/share/gdb; \
    mkdir -p etc/ssl/certs; \
    cp /etc/ssl/certs/ca-certificates.crt etc/ssl/certs/ca-certificates.crt

# The users and groups distroless ships: root, nobody, and nonroot (65532), the user the
# :nonroot tags run as. /tmp is world-writable with the sticky bit, as everywhere.
RUN set -eux; \
    cd /rootfs; \
    printf '%s\n' \
        'root:x:0:0:root:/root:/sbin/nologin' \
        'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
        'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > etc/passwd; \
    printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'nonroot:x:65532:' > etc/group; \
    printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' > etc/nsswitch.conf; \
    mkdir -p root tmp home/nonroot; \
    chmod 0700 root home/nonroot; \
    chmod 1777 tmp; \
    chown 65532:65532 home/nonroot

# The image itself: nothing but the unpacked files.
FROM scratch

ARG STAND_IN=gcr.io/distroless/static-debian13:nonroot

COPY --from=assemble /rootfs/ /

# What the upstream :nonroot images set: no shell to run, so no CMD; a non-root user.
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /home/nonroot

LABEL io.calc-kit.stand-in="${STAND_IN}" \
      io.calc-kit.stand-in.description="Local stand-in for ${STAND_IN}: the same Debian trixie packages unpacked into scratch, built by docker/bases/build-bases.sh because no registry was reachable."
