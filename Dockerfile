# syntax=docker/dockerfile:1
# Build: the whole workspace, then a production-only copy of the server and its workspace packages, and the
# console's static files.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN npm install -g pnpm@12.4.2
# Dependencies first (cached until the lockfile changes), then the sources.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
COPY patches ./patches
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile \
 && pnpm exec turbo run build --filter=@roster/server... \
 && pnpm --filter @roster/server deploy --prod --legacy /out

# Run: non-root, production dependencies only (argon2 and sqlite3 were built above for this same base image).
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 DATA_DIR=/app/data
WORKDIR /app
COPY --from=build --chown=node:node /out ./
# The console's static build (turbo builds it before the server), served at /console from /app/console.
COPY --from=build --chown=node:node /app/apps/console/dist ./console
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8000
# Liveness only (/health never touches the database); orchestrators should probe /health/ready for traffic.
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Node is PID 1 and handles SIGTERM itself: drain (SHUTDOWN_TIMEOUT_MS), close, exit 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
