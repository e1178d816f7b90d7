from __future__ import annotations

from ocr_inference.config import Settings
from ocr_inference.tasks.queue import create_celery_app


def test_task_events_are_on_so_flower_sees_every_task() -> None:
    conf = create_celery_app(Settings(redis_url="redis://redis:6379/0")).conf
    assert conf.worker_send_task_events is True
    assert conf.task_send_sent_event is True
    assert conf.broker_url == "redis://redis:6379/0"
