# syntax=docker/dockerfile:1
# The image of every Vigie service, one build target per service, from the repository root (the uv workspace):
#
#   docker build --target collector  -t vigie-collector  .
#   docker build --target classifier -t vigie-classifier .
#   docker build --target notifier   -t vigie-notifier   .
#
# `build` copies the workspace and uv; `build-<service>` installs that one package and its locked dependencies
# (no extras: neither the embedded broker nor the sentence encoders) into /opt/vigie; `runtime` is the slim,
# unprivileged image every service shares; each service's target adds its environment, its settings and its
# default command. BuildKit builds only the stages the chosen target needs.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/vigie \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
# The whole workspace (uv needs every member to read the lock; .dockerignore leaves tests, docs and deploy
# out); each build-<service> stage then installs one package as a regular (non-editable) package so that the
# environment stands alone. The cache mount makes rebuilds after a code change quick.
COPY . .

FROM build AS build-collector
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev --no-editable --package vigie-collector

FROM build AS build-classifier
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev --no-editable --package vigie-classifier

FROM build AS build-notifier
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev --no-editable --package vigie-notifier

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 vigie \
    && useradd --system --uid 10001 --gid vigie --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin vigie \
    && install -d -o vigie -g vigie -m 0750 /var/lib/vigie
ENV PATH=/opt/vigie/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp
# The only writable place the services need (the root filesystem may be read-only).
WORKDIR /var/lib/vigie
USER 10001:10001
EXPOSE 8080
# Liveness of the ops server (the same /healthz Kubernetes probes) on the port of the service VIGIE_SERVICE
# names (VIGIE_<SERVICE>_HTTP_PORT); Python, as the image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ['VIGIE_' + os.environ['VIGIE_SERVICE'].upper() + '_HTTP_PORT']; urllib.request.urlopen('http://127.0.0.1:' + port + '/healthz', timeout=2)"]
ENTRYPOINT ["vigie"]

FROM runtime AS collector
COPY --from=build-collector /opt/vigie /opt/vigie
LABEL org.opencontainers.image.title="vigie-collector" \
      org.opencontainers.image.description="Vigie collector: sources -> territory matching -> vigie.mentions.raw.v1 (and the webhook ingestion endpoint on the ops port)"
ENV VIGIE_SERVICE=collector \
    VIGIE_COLLECTOR_HTTP_HOST=0.0.0.0 \
    VIGIE_COLLECTOR_HTTP_PORT=8080
CMD ["collector", "run", "--config", "/etc/vigie/collector.yaml"]

FROM runtime AS classifier
COPY --from=build-classifier /opt/vigie /opt/vigie
LABEL org.opencontainers.image.title="vigie-classifier" \
      org.opencontainers.image.description="Vigie classifier: language + sentiment -> vigie.mentions.scored.v1, crisis detection -> vigie.alerts.v1"
ENV VIGIE_SERVICE=classifier \
    VIGIE_CLASSIFIER_HTTP_HOST=0.0.0.0 \
    VIGIE_CLASSIFIER_HTTP_PORT=8080
CMD ["classifier", "run", "--territories", "/etc/vigie/territories.yaml"]

FROM runtime AS notifier
COPY --from=build-notifier /opt/vigie /opt/vigie
LABEL org.opencontainers.image.title="vigie-notifier" \
      org.opencontainers.image.description="Vigie notifier: vigie.alerts.v1 -> email / Slack / Teams / webhook, receipts in vigie.deliveries.v1"
ENV VIGIE_SERVICE=notifier \
    VIGIE_NOTIFIER_HTTP_HOST=0.0.0.0 \
    VIGIE_NOTIFIER_HTTP_PORT=8080
CMD ["notifier", "run", "--routes", "/etc/vigie/notifier.yaml"]
