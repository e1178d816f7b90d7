"""Every Redis key the service writes besides Celery's and kombu's, named in one place.

Keys (all under ``PREFIX``, ``ocr:``):

- ``ocr:task:{id}``      hash of the submission (file name, type, size, time, and ``owner``,
                          the SHA-256 hex of the API key that created it, when keys are on);
                          its presence is what makes an id known, so unknown or expired ids
                          answer 404. It also holds the client's options ``pages``, ``dpi``
                          and ``callback_url`` when given, ``idempotency``, the name of
                          its ``ocr:idem:`` key, if any, ``sending`` until the task is
                          on the queue (an API process that died in between leaves it),
                          ``ended`` once the task has been counted as ended, and
                          ``lost_seen`` / ``resends`` when the workers' sweep found its
                          message lost (``tasks.recovery``).
- ``ocr:webhook:{id}``   set when the task's webhook was queued, so that it is sent once.
- ``ocr:blob:{id}``      the uploaded bytes; workers on any machine need only Redis.
- ``ocr:range:{id}``     hash of the page ranges of a split document, each stored once as
                          a document of its own (a PDF of its pages, a TIFF of its
                          frames) under the field ``{first}-{stop}`` (its task's
                          arguments), so that a range's task reads only its pages. It
                          expires with ``ocr:blob:{id}``, counts in ``ocr:held`` until the
                          task ends, and is deleted when the task ends or is cancelled.
- ``ocr:attempts:{id}``  deliveries of the task so far, to stop requeue loops.
- ``ocr:progress:{id}``  pages done and pages in all of a document being processed.
- ``ocr:page:{id}``      hash of the pages of a document being processed, each page's
                          part of the result (JSON of ``PageResult``, block indexes local
                          to the page) under its page number, kept once (a page done again
                          after a fault keeps its first copy), plus ``bytes``, their size,
                          bounded by ``OCR_EVENTS_MAX_MB``; it expires with the blob and is
                          deleted when the task ends or is cancelled. The event streams
                          read pages from it while the document runs.
- ``ocr:pages:{id}``     list of the page numbers kept in ``ocr:page:{id}``, in the order
                          the workers finished them: the order of a stream's ``page``
                          events, which its event ids count. Written only while
                          ``ocr:progress:{id}`` exists; it lives as long as the record.
- ``ocr:cancelled:{id}`` set by a DELETE before the task ended; workers stop at the next
                          page, and the task reads as cancelled until it expires.
- ``ocr:failed:{id}``    set when a page range of a split document fails, so that its
                          other ranges are skipped.
- ``ocr:running``         sorted set of documents being processed, scored by the time after
                          which an entry no longer counts (a worker that died mid-document
                          leaves one behind; each page done pushes it back).
- ``ocr:held``            sorted set of the uploads whose tasks have not ended, as
                          ``{size}:{id}``, scored by the time their blobs expire; their
                          sizes add up to the bytes held (the ``held`` field of each
                          ``ocr:task:{id}`` is its size, with its page ranges' once it
                          is split, until the task ends). An upload
                          whose task never ends stops counting when its blob expires.
- ``ocr:sweep``           held for ``SWEEP_INTERVAL_S`` by the worker process whose turn it is
                          to sweep for lost messages.
- ``ocr:sequence``        hash of ``queued`` (documents put on the queue so far; each
                          record's ``seq`` field is its number) and ``taken`` (documents a
                          worker has taken, each counted once by its record's ``taken``
                          field): a pending task's ``queue_position`` is the difference.
- ``ocr:streams:{owner}`` sorted set of the event streams open for one API key (``-``
                          while keys are off), scored by the time their lease runs out;
                          each open stream renews its lease, so a stream whose API process
                          died stops counting by itself.
- ``ocr:worker:{name}``  heartbeat of one worker process, expiring when it stops beating.
- ``ocr:idem:{owner}:{sha256 of the key}``  JSON ``{task_id, sha256}`` (the upload's digest)
                          of a submission with an ``Idempotency-Key``; ``owner`` is ``-``
                          while API keys are off. The task's record names it (its
                          ``idempotency`` field), and it expires with that record.
- ``ocr:counters``        hash of counts since the data was created: ``submitted``,
                          ``succeeded`` and ``failed:{code}`` (each task counted once, when
                          it ends, by the ``ended`` field of its ``ocr:task:{id}``), and
                          ``pages`` (every page a worker finished, re-runs included).
- ``ocr:durations``       the task-duration histogram: one count per bucket of
                          ``DURATION_BUCKETS`` (not cumulative), ``sum`` and ``count``;
                          documents that succeeded, observed with their counter.
- ``ocr:http_requests``   hash of API requests by ``"{method} {route} {status}"``, added
                          to by every API process.

The queues' own lists are kombu's; ``ocr_inference.tasks.broker`` reads their lengths.
"""

from __future__ import annotations

import redis

PREFIX = "ocr"


def key(kind: str, name: str | None = None) -> str:
    """The Redis key of ``kind`` (``task``, ``running``…), for ``name`` where it has one."""
    return f"{PREFIX}:{kind}" if name is None else f"{PREFIX}:{kind}:{name}"


def redis_client(url: str, *, timeout_s: float = 5.0) -> redis.Redis:
    """A client whose calls fail fast when Redis is unreachable instead of hanging."""
    return redis.Redis.from_url(
        url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, health_check_interval=30
    )


class StoreBase:
    """The connection and lifetimes that every part of the task store shares."""

    def __init__(self, client: redis.Redis, *, result_ttl_s: int, blob_ttl_s: int) -> None:
        self.client = client
        self.result_ttl_s = result_ttl_s
        self.blob_ttl_s = blob_ttl_s
