"""Several users at once: what the Streamlit server shares between its session threads.

Tokenizers loaded with `st.cache_resource` are one object for every session; files written by the
engine may be written by two sessions (threads of one process) at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from workbench.data import encode
from workbench.studio import token_lengths

LONG = " ".join(["an unexpectedly moving film with a sharp script and a long tail of words"] * 8)


def run_threads(n: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run `work(i)` in `n` threads released together; returns what they raised."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def body(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_shared_tokenizer_under_threads_keeps_each_callers_max_length(bundled_tokenizer):
    """8 sessions tokenise with one shared fast tokenizer, each at its own max_length (and one
    untruncated, as the Setup page's length histogram does). Without a lock the Rust tokenizer's
    truncation state is changed under another thread's feet: 'Already borrowed', or texts cut at
    another caller's length."""
    tok = bundled_tokenizer
    full = token_lengths(tok, [LONG])[0]
    texts = [LONG] * 4

    def work(i: int) -> None:
        for _ in range(50):
            if i == 0:
                assert token_lengths(tok, texts) == [full] * 4
                continue
            max_length = 8 + 4 * i
            enc = encode(tok, texts, [0] * 4, max_length, {"input_ids", "token_type_ids"})
            assert enc.lengths == [max_length] * 4, (max_length, enc.lengths)
            assert enc.truncated == 4

    errors = run_threads(8, work)
    assert not errors, f"{len(errors)} thread(s) failed, first: {errors[0]!r}"


def test_engine_calls_tokenizers_only_through_the_locked_helper():
    """A new direct `tokenizer(...)` call in the engine would bypass the lock above."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "workbench"
    direct = re.compile(r"\b(tokenizer|tok)\((?!\s*\))")
    files = sorted(root.rglob("*.py"))
    assert len(files) > 50  # every subpackage is walked
    offenders = [
        f"{p.relative_to(root)}:{n}"
        for p in files
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if direct.search(line)
        and not line.lstrip().startswith(("def ", "#"))
        and p.name not in ("batching.py", "model_card.py")  # the lock itself; loading code written for users
    ]
    assert not offenders, offenders


def test_atomic_writes_from_threads_of_one_process(tmp_path):
    """Sessions are threads of one server process, so a temp file named by pid alone is shared by
    them: one thread's rename takes the other's half-written file, or finds it gone. Every write
    must succeed, a reader must only ever see one whole payload, and no temp file may be left."""
    import json

    from workbench.core import read_json, write_json_atomic

    target = tmp_path / "status.json"
    payloads = [{"writer": i, "filler": "x" * (2000 + 500 * i)} for i in range(8)]
    seen_bad: list[object] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            if target.exists():
                got = read_json(target, default="unreadable")
                if got not in payloads:
                    seen_bad.append(got)

    watcher = threading.Thread(target=reader)
    watcher.start()
    try:
        errors = run_threads(8, lambda i: [write_json_atomic(target, payloads[i]) for _ in range(60)])
    finally:
        stop.set()
        watcher.join()
    assert not errors, f"{len(errors)} write(s) failed, first: {errors[0]!r}"
    assert not seen_bad, f"a reader saw a torn file: {str(seen_bad[0])[:80]}"
    assert json.loads(target.read_text(encoding="utf-8")) in payloads
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]


def test_same_upload_saved_by_two_sessions_at_once(tmp_path):
    """Two tabs uploading the same file: same content hash, same target, one temp name per pid."""
    from workbench.studio import save_upload

    data = b"text,label\n" + b"a fine film,positive\n" * 20000
    paths: list[object] = []

    def work(_: int) -> None:
        for _ in range(10):
            target = save_upload("reviews.csv", data, root=tmp_path)
            paths.append(target)
            target.unlink(missing_ok=True)  # the next save writes it again, racing the others

    errors = run_threads(8, work)
    assert not errors, f"{len(errors)} save(s) failed, first: {errors[0]!r}"
    assert len(paths) == 80
    assert not [p.name for p in (tmp_path / "uploads").iterdir() if p.suffix == ".tmp"]


def test_teacher_logits_saved_by_threads_at_once():
    """Two sessions computing the same teacher logits save the same cache key concurrently."""
    import torch

    from workbench.distill import logits_cache as cache

    logits = torch.arange(2000, dtype=torch.float32).reshape(1000, 2)

    def work(_: int) -> None:
        for _ in range(20):
            cache.save_logits("k" * 32, logits, {"what": "test"})
            got = cache.load_logits("k" * 32)
            assert got is not None and torch.equal(got, logits)

    errors = run_threads(8, work)
    assert not errors, f"{len(errors)} save(s) failed, first: {errors[0]!r}"
    assert not [p.name for p in cache.cache_dir().iterdir() if p.suffix == ".tmp"]
