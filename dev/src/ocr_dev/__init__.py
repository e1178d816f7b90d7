"""Development-only code of ocr-inference: accuracy and table metrics for the benchmarks
and tests, and the helpers the tests share (generated documents, the service harnesses,
the fault-injecting worker). Installed by ``make install-dev`` only; never in the product."""
