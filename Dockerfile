# The NEXUS reference server (examples/nexus) as a small static image.
#
#   docker build -t nexus .
#   docker compose up --build      (after making .env from .env.example once)
#
# CI cannot run Docker; it builds the binary with the same command as the
# build stage below (examples/nexus/docker_test.go checks that they agree).

# Go 1.27 (the newest release; the modules need 1.26 or later). The tag is in
# docker-library's official-images list: 1.27-bookworm.
FROM golang:1.27-bookworm AS build
WORKDIR /src
# Module downloads first, so code changes reuse the cached layer.
COPY go.mod go.sum ./
COPY examples/go.mod examples/go.sum ./examples/
COPY wsauth/redisthrottle/go.mod wsauth/redisthrottle/go.sum ./wsauth/redisthrottle/
RUN cd examples && go mod download
COPY . .
WORKDIR /src/examples
ARG VERSION=docker
# Static (no cgo: SQLite is modernc.org/sqlite, pure Go), trimmed, stripped.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/nexus ./nexus
# An empty directory owned by the runtime user, for SQLite without
# PostgreSQL: DATABASE_URL=sqlite:/data/nexus.db (production requires the
# variable; mount a volume on /data to keep the file).
RUN mkdir -p /out/data

# distroless/static: no shell, no package manager, CA certificates and
# /etc/passwd with the nonroot user (65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/nexus /nexus
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
# NEXUS_REQUIRE_NODE_ENV: the server refuses to start when NODE_ENV is unset
# or empty (envcfg.WithProductionRequired), so a deploy cannot fall back to
# development secrets.
ENV NODE_ENV=production PORT=5000 NEXUS_REQUIRE_NODE_ENV=true
EXPOSE 5000
# No curl in the image: the binary probes its own /readyz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 CMD ["/nexus", "healthcheck"]
ENTRYPOINT ["/nexus"]
CMD ["serve"]
