# Stand-in for buildpack-deps:trixie, the image the official rust:1.95-trixie starts from.
# It is Debian plus the tools and -dev libraries most source builds need, so that
# `cargo build` of a crate with C dependencies (openssl-sys, libz-sys, ...) just works.
# That convenience is most of why the naive variant is so big: compare `docker history`.
#
# The three RUNs follow the three layers of the upstream image (its curl, scm and full
# tags): fetching tools, version control, then compilers and libraries.
ARG BASE=debian:trixie
FROM ${BASE}

ARG STAND_IN=buildpack-deps:trixie

RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates curl gnupg netbase sq wget; \
    rm -rf /var/lib/apt/lists/*

RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        git mercurial openssh-client subversion procps; \
    rm -rf /var/lib/apt/lists/*

RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        autoconf automake bzip2 default-libmysqlclient-dev dpkg-dev file g++ gcc \
        imagemagick libbz2-dev libc6-dev libcurl4-openssl-dev libdb-dev libevent-dev \
        libffi-dev libgdbm-dev libglib2.0-dev libgmp-dev libjpeg-dev libkrb5-dev \
        liblzma-dev libmagickcore-dev libmagickwand-dev libmaxminddb-dev libncurses-dev \
        libpng-dev libpq-dev libreadline-dev libsqlite3-dev libssl-dev libtool \
        libwebp-dev libxml2-dev libxslt1-dev libyaml-dev make patch pkgconf unzip \
        xz-utils zlib1g-dev; \
    rm -rf /var/lib/apt/lists/*

LABEL io.calc-kit.stand-in="${STAND_IN}" \
      io.calc-kit.stand-in.description="Local stand-in for ${STAND_IN}: Debian trixie with the upstream image's build tools and -dev libraries, built by docker/bases/build-bases.sh because no registry was reachable."

CMD ["bash"]
