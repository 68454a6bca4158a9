# One image for the worker, the API and the sandbox peers; the command picks the part.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund || npm ci --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
USER node
CMD ["npm", "run", "worker"]
