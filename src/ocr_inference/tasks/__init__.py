"""What the service keeps in Redis and sends through Celery, without HTTP: the task store,
counters, idempotency claims, page selection, the webhook policy, failure codes and the
queue's names. The API and the worker are thin layers over it."""
