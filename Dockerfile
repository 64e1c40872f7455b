# keytrail API server image. Used by docker-compose.yml (service "keytrail").
# Two stages: Node builds the web page into api/static (as `make page` does), then the Python
# image installs the package with those files inside it; the final image has no Node.

FROM node:22-slim AS page
WORKDIR /src/frontend
# the lock file first, so the npm layer is reused while only the page's sources change
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
# vite writes into ../api/static (frontend/vite.config.ts)
RUN npm run build

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin keytrail

WORKDIR /src
# Only what the package needs: never the working tree's .keytrail/ (local Neo4j data
# and password), .git or build output. README.md* tolerates a missing README.
COPY pyproject.toml README.md* ./
COPY graph/ graph/
COPY loaders/ loaders/
COPY queries/ queries/
COPY api/ api/
COPY --from=page /src/api/static/ api/static/
RUN pip install . && rm -rf /src

USER keytrail
WORKDIR /home/keytrail
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=6 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz', timeout=3)"]
CMD ["keytrail", "serve", "--host", "0.0.0.0", "--port", "8000"]
