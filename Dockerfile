# syntax=docker/dockerfile:1

# The reins worker. It runs the TypeScript sources directly through tsx (a runtime dependency, so `npm ci
# --omit=dev` installs it); there is no compile step. Stage one installs production dependencies, stage two adds the
# sources and the OS packages the tools need, and runs as the unprivileged `node` user.

ARG NODE_IMAGE=node:20.19.5-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
# bubblewrap: the sandbox the code tool runs commands in. Inside a container it needs unprivileged user namespaces,
# which Docker's default seccomp profile (and AppArmor on some hosts) refuses; docs/deployment.md lists the security
# options that allow it. tini: PID 1 that forwards SIGTERM to the worker and reaps orphaned sandbox processes.
# python3: run_code's `language: python`.
RUN apt-get update \
  && apt-get install -y --no-install-recommends bubblewrap tini ca-certificates python3 \
  && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    REINS_DATA_DIR=/var/lib/reins

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY common ./common
COPY shared ./shared
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY client ./client
COPY cli ./cli
COPY agents ./agents
COPY scripts ./scripts

# Owned by `node` so that a named volume mounted here starts out writable for the worker.
RUN mkdir -p /var/lib/reins && chown node:node /var/lib/reins

USER node
ENTRYPOINT ["/usr/bin/tini", "--"]
# Equivalent to `npx tsx worker/main.ts`, without npx and tsx's extra processes between tini and the worker.
CMD ["node", "--import", "tsx", "worker/main.ts"]
