# One image for every service of docker-compose.yml: web (gunicorn), workers and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var

WORKDIR /app

# The dependencies first, in a layer of their own, so that a code change does not reinstall
# TensorFlow: the runtime list of pyproject.toml, pinned by requirements.lock.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -c requirements.lock -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN useradd --system --create-home --home-dir /home/app app \
    && mkdir -p /app/var \
    && chown -R app:app /app/var
USER app

EXPOSE 8000
CMD ["gunicorn", "facedetect.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", \
     "--threads", "32", "--worker-class", "gthread", "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "60", "--graceful-timeout", "35", "--access-logfile", "-"]
