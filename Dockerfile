# syntax=docker/dockerfile:1
# CPU image: the API (default command) and, with docker-compose.cpu.yml, a CPU worker.
# Installed the same way as on a developer's machine: `make install` from the lock file.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin ocr

WORKDIR /app
COPY Makefile pyproject.toml uv.lock README.md ./
COPY src ./src
# The models ship inside the wheels installed here; nothing is downloaded at run time.
# The lock keeps opencv-python (the GUI build) out; opencv-python-headless is used.
RUN --mount=type=cache,target=/root/.cache/uv \
    make install EXTRA=cpu PYTHON=python3 \
    && rm -rf .tools

ENV PATH=/app/.venv/bin:$PATH \
    OCR_HOST=0.0.0.0 \
    OCR_PORT=8000 \
    OCR_DEVICE=cpu
USER ocr
EXPOSE 8000
# /health answers 200 while Redis does, 503 otherwise (urlopen raises on 503).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:${OCR_PORT:-8000}/health', timeout=4)"
CMD ["ocr-inference", "serve"]
