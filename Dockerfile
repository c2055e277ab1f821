# Gridscope with its compiled sources. Run it against a ClickHouse server with
#   --clickhouse-url http://USER:PASS@HOST:8123
# or on the embedded engine, whose data then lives in /app/data (mount a volume there).
FROM node:20-bookworm-slim

WORKDIR /app

# `npm ci` runs the `prepare` script, which compiles src/, so the sources are copied first.
# proto/ and schema/ are read at run time.
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY proto ./proto
COPY schema ./schema
COPY src ./src

RUN npm ci \
    && npm run build \
    && npm prune --omit=dev \
    && npm cache clean --force \
    && mkdir -p /app/data \
    && chown node:node /app/data

USER node
ENV NODE_ENV=production

# OTLP/gRPC, OTLP/HTTP, and /healthz, /readyz, /metrics.
EXPOSE 4317 4318 8080

# Exec form: node is PID 1 and receives SIGTERM itself, so queued rows are written before exit.
CMD ["node", "--max-semi-space-size=64", "dist/src/cli.js", "serve"]
