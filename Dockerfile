# keytrail API server image. Used by docker-compose.yml (service "keytrail").
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
RUN pip install . && rm -rf /src

USER keytrail
WORKDIR /home/keytrail
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=6 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz', timeout=3)"]
CMD ["keytrail", "serve", "--host", "0.0.0.0", "--port", "8000"]
