# Build and run the billing service. Node 20, non-root at run time.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nest build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# `node` by number, so Kubernetes can verify runAsNonRoot without runAsUser.
USER 1000:1000
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
