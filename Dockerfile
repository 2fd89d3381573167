# The chanjiao API. docker compose builds it beside Neo4j (see docker-compose.yml).
FROM python:3.11-slim

WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Noto CJK so that pictures with Chinese labels render without tofu boxes.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY graph graph
COPY ontology ontology
COPY api api
COPY loaders loaders
RUN pip install --no-cache-dir .

RUN useradd --create-home chanjiao && mkdir /data && chown chanjiao /data
USER chanjiao
ENV CHANJIAO_STORE=/data/chanjiao.db
EXPOSE 8000
CMD ["chanjiao", "serve", "--host", "0.0.0.0", "--port", "8000"]
