# syntax=docker/dockerfile:1
# One image for the three roles of redkeeper (the command picks the role):
#
#   docker build -t redkeeper .
#   docker run -p 2181:2181 -p 8080:8080 -v rk-data:/data redkeeper start
#   docker run -p 8080:8080 redkeeper node --redis redis://redis:6379
#   docker run -p 2181:2181 redkeeper sidecar --upstream ws://lb:8080
#
# Settings come from flags, REDKEEPER_* variables or a config file
# (--config / REDKEEPER_CONFIG); see docs/operations.md.

# ---- build: compile TypeScript and the Redis Lua library, fetch HBase .proto
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build-lua.js ./scripts/
COPY scripts/hbase/fetch-proto.js ./scripts/hbase/
COPY src ./src
# fetch-proto downloads hbase-protocol-shaded from Maven Central (checked by SHA-1)
RUN npm run build

# ---- production dependencies only
FROM node:20-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    REDKEEPER_HOST=0.0.0.0 \
    REDKEEPER_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
# the embedded store's directory (redkeeper start), owned by the unprivileged user
RUN mkdir -p /data && chown 1000:1000 /data
VOLUME ["/data"]
# the image's unprivileged user `node`, by number: Kubernetes' runAsNonRoot
# can only verify a numeric user
USER 1000:1000
# 2181: ZooKeeper clients (start, sidecar); 8080: HTTP (/healthz, /readyz,
# /metrics, REST, and the nodes' WebSocket API)
EXPOSE 2181 8080
# GET /healthz on REDKEEPER_HTTP_PORT (default 8080); a sidecar, which has
# no HTTP port, sets REDKEEPER_HEALTHCHECK_URL=tcp://127.0.0.1:2181
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "bin/healthcheck.js"]
# exec form: node is PID 1 and gets SIGTERM itself (a node drains, then exits 0)
ENTRYPOINT ["node", "bin/redkeeper.js"]
CMD ["--help"]
