# Kios Desa in a container: docs/operating.md, "Containers" (compose.yaml adds PostgreSQL).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install . \
    && useradd --system --create-home --home-dir /data kiosdesa

# A SQLite database (the default DATABASE_URL, kiosdesa.db) is kept in the volume /data.
USER kiosdesa
WORKDIR /data
VOLUME /data
CMD ["kiosdesa", "run"]
