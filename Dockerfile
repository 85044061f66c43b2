# One image for every leadgraph process; docker-compose picks the entry point per service.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/platform/package.json packages/platform/
COPY packages/events/package.json packages/events/
COPY services/accounts/package.json services/accounts/
COPY services/billing/package.json services/billing/
COPY services/contacts/package.json services/contacts/
COPY services/privacy/package.json services/privacy/
COPY services/analytics/package.json services/analytics/
COPY gateway/package.json gateway/
# npm install, not npm ci: see scripts/setup.sh
RUN npm install --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
CMD ["node", "-r", "@swc-node/register", "gateway/src/main.ts"]
