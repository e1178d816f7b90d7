"""Each page's part of a result, kept in Redis as soon as a worker finishes it, so that the
event streams can send it before the whole document is done (``ocr_inference.tasks.events``).

A page is kept once: the first copy wins, so a page done again after a fault (a range's
task delivered again) is neither stored nor listed twice. The pages of one document hold at
most ``max_bytes`` between them; a page that does not fit is not kept, and the streams send
it from the final result. Pages are kept only while the document counts as running (its
``ocr:progress:{id}`` exists), so that the order list is final once the document has ended.
"""

from __future__ import annotations

from ocr_inference.tasks.keys import StoreBase, key

# KEYS: progress, order list, page hash; ARGV: page number, JSON, max bytes, ttl (s)
_KEEP_PAGE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
local used = tonumber(redis.call('HGET', KEYS[3], 'bytes') or '0')
if used + string.len(ARGV[2]) > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'bytes', string.len(ARGV[2]))
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[3], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
"""


class PageResults(StoreBase):
    """The pages of running documents, kept for the event streams."""

    def keep_page(self, task_id: str, page_number: int, data: bytes, *, max_bytes: int) -> bool:
        """Keep page ``page_number``'s part (``data``, JSON) of the running document
        ``task_id``; whether it was kept (not if it already was, if the document is not
        running, or if the document's pages would then hold over ``max_bytes``)."""
        kept = self.client.eval(
            _KEEP_PAGE_SCRIPT,
            3,
            key("progress", task_id),
            key("pages", task_id),
            key("page", task_id),
            page_number,
            data,
            max_bytes,
            self.blob_ttl_s,
        )
        return bool(kept)

    def page_order(self, task_id: str) -> list[int]:
        """The numbers of the pages kept so far, in the order they were kept."""
        return [int(n) for n in self.client.lrange(key("pages", task_id), 0, -1)]
