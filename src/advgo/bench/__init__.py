"""Benchmarks: engine throughput against other Go engines (:mod:`.engine`), cold vs warm start (:mod:`.startup`).

Top layer, beside the CLI: it may import anything of ours; nothing of ours imports it but ``advgo.cli``.
"""
