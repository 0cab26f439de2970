# civicbot: one static binary on a distroless, non-root base.
#
#   docker build -t civicbot .
#   docker run -p 8080:8080 -v civicbot-data:/data civicbot
#
# See deploy/README.md for PostgreSQL (compose), ingesting exports and the settings.

# --- build ---------------------------------------------------------------------------
FROM golang:1.26-bookworm AS build
WORKDIR /src

# Modules first, so that editing the source does not download them again.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/civicbot ./cmd/civicbot \
 && mkdir -p /out/data

# --- run -----------------------------------------------------------------------------
FROM gcr.io/distroless/static-debian12:nonroot

# The repository has no licence file yet: NOASSERTION until it does. The bundled open data
# (ingest/opendata) are under the Open Government Data License, Taiwan 1.0 (OGDL-Taiwan-1.0).
LABEL org.opencontainers.image.title="civicbot" \
      org.opencontainers.image.description="Citizen-facing assistant answering medicine and government-service questions from Taiwan open data, with sources" \
      org.opencontainers.image.licenses="NOASSERTION"

COPY --from=build /out/civicbot /civicbot
# The embedded store (used when DATABASE_URL is unset) lives in /data, owned by the
# nonroot user (65532) so that a fresh named volume is writable too.
COPY --from=build --chown=65532:65532 /out/data /data

ENV CIVICBOT_ADDR=:8080 \
    CIVICBOT_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
USER 65532:65532

# No HEALTHCHECK: distroless has no shell or curl. Orchestrators should probe
# GET /healthz (liveness) and GET /readyz (readiness: the store answers) on port 8080.

ENTRYPOINT ["/civicbot"]
CMD ["serve"]
