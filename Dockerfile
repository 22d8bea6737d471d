# floe's container image: the compiled CLI on Node 24 LTS, the same version .ci/run tests
# (scripts/with-node.sh pins it; docs/development.md says why 24). Used by docker-compose.yml (profile "floe").
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs the `prepare` script (scripts/build.mjs), which compiles whatever sources exist: none yet.
COPY scripts/build.mjs scripts/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24.21.0-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/build.mjs scripts/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY examples ./examples
# bin/floe.js runs dist/; with no TypeScript sources here it compiles nothing.
USER node
ENTRYPOINT ["node", "/app/bin/floe.js"]
CMD ["--help"]
