# syntax=docker/dockerfile:1
# One Dockerfile for every service, built from the repository root:
#   docker build --build-arg SERVICE=catalog --build-arg PORT=8081 --build-arg OPERATOR_PORT=9081 \
#     -t syllabus/catalog .
# Stage 1 prunes the monorepo to the service and the packages it uses; stage 2 installs and
# builds only those, then drops everything the service does not run; stage 3 is the runtime.
# The Node.js major is written here once: every script runs on it too (scripts/node.sh reads this
# line). 26 is the Active LTS line; bookworm is the Debian release the native stack runs on.
FROM node:26-bookworm-slim AS base
WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1 NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

FROM base AS pruner
ARG SERVICE
RUN npm install --global turbo@2.11.13
COPY . .
# turbo prune leaves out the root tsconfig every workspace extends, so it is copied beside.
RUN test -n "$SERVICE" || { echo 'build with --build-arg SERVICE=<name>' >&2; exit 1; } \
 && turbo prune "@syllabus/$SERVICE" --docker \
 && cp tsconfig.base.json out/full/

FROM base AS builder
ARG SERVICE
COPY --from=pruner /app/out/json/ .
RUN npm ci
COPY --from=pruner /app/out/full/ .
# After the build, of the workspaces only this service and the packages it imports at run time
# stay (its tests may need the others; it does not), then only their production dependencies.
COPY scripts/images/trim-workspace.js /tmp/
RUN npx turbo run build --filter="@syllabus/$SERVICE" \
 && node /tmp/trim-workspace.js "$SERVICE" \
 && npm prune --omit=dev \
 && rm -rf .turbo node_modules/.cache \
 && ln -s "services/$SERVICE" service

FROM base AS runtime
ARG SERVICE
ARG PORT
ARG OPERATOR_PORT
ENV NODE_ENV=production HOST=0.0.0.0 SERVICE=$SERVICE PORT=$PORT OPERATOR_PORT=$OPERATOR_PORT
# Owned by root and only readable by the service's user: the process cannot change its own code.
COPY --from=builder /app /app
# The image's `node` user, by number, so Kubernetes can verify runAsNonRoot.
USER 1000:1000
# The public port; health and metrics answer on the operator port, which nothing publishes.
EXPOSE $PORT
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.OPERATOR_PORT + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "--require", "@syllabus/telemetry/register", "service/dist/src/main.js"]
