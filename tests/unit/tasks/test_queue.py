from __future__ import annotations

from ocr_inference.config import Settings
from ocr_inference.tasks.queue import create_celery_app


def test_task_events_are_on_so_flower_sees_every_task() -> None:
    conf = create_celery_app(Settings(redis_url="redis://redis:6379/0")).conf
    assert conf.worker_send_task_events is True
    assert conf.task_send_sent_event is True
    assert conf.broker_url == "redis://redis:6379/0"


def test_pool_processes_are_recycled_above_the_memory_cap_by_default() -> None:
    conf = create_celery_app(Settings()).conf
    assert conf.worker_max_memory_per_child == 2048 * 1024  # KiB, as Celery counts
    assert conf.worker_max_tasks_per_child is None


def test_recycling_follows_the_settings_and_0_turns_it_off() -> None:
    conf = create_celery_app(
        Settings(worker_max_tasks_per_child=50, worker_max_memory_mb=3000)
    ).conf
    assert conf.worker_max_tasks_per_child == 50
    assert conf.worker_max_memory_per_child == 3000 * 1024
    conf = create_celery_app(Settings(worker_max_memory_mb=0)).conf
    assert conf.worker_max_memory_per_child is None


def test_a_new_pool_process_has_time_to_load_its_models() -> None:
    # Celery's default (4 s) is less than loading the models takes on a busy machine
    assert create_celery_app(Settings()).conf.worker_proc_alive_timeout >= 60
