# One image for the worker, the API and the sandbox peers; the command picks the part (docker-compose.yml).
# Stage 1 installs every dependency, runs `npm run build` (dist/: the compiled JavaScript and the prebuilt workflow
# bundle, dist/workflow-bundle.js) and then drops the development dependencies (TypeScript, jest…).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Stage 2: what stage 1 left, without npm's cache. The sources stay beside dist/: config/mappings.yaml is read from the
# package root, and the sandbox service still runs under tsx (`npm run sandbox`).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app ./
USER node
# Plain node on the compiled worker, which loads dist/workflow-bundle.js instead of bundling at start.
# The API is `node dist/api/main.js`.
CMD ["node", "dist/worker/main.js"]
