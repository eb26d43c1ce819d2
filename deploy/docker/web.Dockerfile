# The web client: built with Node, served by nginx; /api, /healthz, /readyz, /openapi.json and
# /docs are proxied to the gateway (compose service "gateway", port 8000).
#   docker build -f deploy/docker/web.Dockerfile -t pedatt/web .
FROM node:20-bookworm-slim AS build
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM nginx:1.27-alpine
COPY deploy/docker/web.nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /web/dist /usr/share/nginx/html
EXPOSE 80
HEALTHCHECK --interval=10s --timeout=3s CMD wget -qO- http://127.0.0.1/ >/dev/null || exit 1
