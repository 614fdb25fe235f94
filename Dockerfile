# syntax=docker/dockerfile:1

# The reins worker. Stage one compiles the TypeScript sources into dist/ (with the dev dependencies the compiler
# needs), stage two installs production dependencies only, stage three is the runtime: those dependencies, the
# compiled dist/ and the OS packages the tools need, running `node dist/worker/main.js` as the unprivileged `node`
# user. No TypeScript and no tsx at run time.

ARG NODE_IMAGE=node:20.19.5-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# --ignore-scripts: the root's `prepare` builds, and the sources are not here yet; the build runs below.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY common ./common
COPY shared ./shared
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY client ./client
COPY cli ./cli
COPY testing ./testing
COPY scripts ./scripts
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build, which needs the compiler, a dev dependency; stage one built already.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

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
COPY --from=build /app/dist ./dist
COPY package.json package-lock.json ./
COPY bin ./bin
COPY agents ./agents

# Owned by `node` so that a named volume mounted here starts out writable for the worker.
RUN mkdir -p /var/lib/reins && chown node:node /var/lib/reins

USER node
ENTRYPOINT ["/usr/bin/tini", "--"]
# The compiled worker; workflows are bundled from dist/workflows when it starts.
CMD ["node", "dist/worker/main.js"]
