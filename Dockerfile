# The fedgate broker image: built from the repository, dev dependencies left behind.
#   docker build -t fedgate .
#   docker run --read-only --tmpfs /tmp -p 8080:8080 \
#     -v "$PWD/fedgate.yaml:/etc/fedgate/fedgate.yaml:ro" -v "$PWD/secrets:/etc/fedgate/secrets:ro" fedgate
# The config and its secrets are mounted, never baked in (docs/deployment.md).

# Node 22: AWS SDK v3 releases from January 2027 need it; fedgate runs on 20 and 22.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /opt/fedgate
COPY --from=production-dependencies /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# The image's own user (uid 1000); nothing in /opt/fedgate is writable by it.
USER node
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/apps/broker/src/main.js"]
CMD ["--config", "/etc/fedgate/fedgate.yaml"]
