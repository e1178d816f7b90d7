"""One machine: ``ocr-inference up`` (launcher, embedded Redis-compatible server,
supervision of the child processes) and ``ocr-inference process`` (the pipeline run
in-process over files)."""
