# syntax=docker/dockerfile:1
# One image for the four services: the Helm chart (deploy/k8s) picks the service by its
# command, `node services/<name>/dist/main.js`, and runs it as uid 1000 with a read-only root
# filesystem. Build it where a container engine exists (there is none on the development
# machines, so this file has not been built there): `docker build -t scheduler:0.1.0 .`

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY . .
# The dev dependencies (nx, swc, typescript) are needed to build, then pruned.
RUN npm ci \
  && npx nx run-many -t build --output-style=static \
  && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the service user: nothing in the image is writable by it.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/libs ./libs
COPY --from=build /app/services ./services
# The operators' CLI, built, for `kubectl exec … -- node tools/cli/bin/scheduler-dist.mjs`.
COPY --from=build /app/tools/cli/package.json ./tools/cli/package.json
COPY --from=build /app/tools/cli/bin ./tools/cli/bin
COPY --from=build /app/tools/cli/dist ./tools/cli/dist
USER 1000:1000
CMD ["node", "services/gateway/dist/main.js"]
