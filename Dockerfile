FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY catalog ./catalog
COPY connectors ./connectors
COPY ontology ./ontology
RUN pip install --no-cache-dir -c requirements.lock .
USER nobody
EXPOSE 8000
CMD ["catalog", "serve", "--host", "0.0.0.0", "--port", "8000"]
