# syntax=docker/dockerfile:1
# Reference remote MCP server image: Node 24 LTS slim, production dependencies only, non-root,
# works with a read-only root filesystem, listens on 8080 (CONTAINER_PORT in server/config/contract.ts).

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.server.json ./
COPY server ./server
RUN npx tsc -p tsconfig.server.json

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json scripts/server-manifest.js ./
# The server's runtime stack is an optional peer of the published package (infra-only consumers skip it): make it
# the dependencies here, then install production dependencies only, at the lockfile's versions.
RUN node server-manifest.js package.json && npm install --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-slim
# MCP_TRUST_PROXY=0: exposed directly (`docker run -p`), X-Forwarded-For is the client's own text and is ignored;
# the infrastructure (CDK, Pulumi) sets 1 for the load balancer in front.
# HOST=0.0.0.0 is not loopback: the server then needs MCP_REQUEST_STATE_KEYS at run time (docker run -e
# MCP_REQUEST_STATE_KEYS=$(openssl rand -base64 48); the infrastructure injects it from its secret store), never in the image.
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    MCP_TRUST_PROXY=0
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist/server ./dist/server
COPY --chown=root:root package.json ./
# The image's files belong to root and the process runs as the unprivileged `node` user: it can read, not
# change, its own code. Nothing is written to disk at run time (logs go to stdout), so a read-only root
# filesystem works.
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM reaches node directly (exec form, PID 1): the server drains, then exits 0 (a second signal: exits 1 at once).
CMD ["node", "dist/server/main.js"]
