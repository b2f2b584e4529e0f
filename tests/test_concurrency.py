"""Several users at once: what the Streamlit server shares between its session threads.

Tokenizers loaded with `st.cache_resource` are one object for every session; files written by the
engine may be written by two sessions (threads of one process) at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from workbench.batching import encode
from workbench.overview import token_lengths

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
    offenders = [
        f"{p.name}:{n}"
        for p in sorted(root.glob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if direct.search(line) and not line.lstrip().startswith(("def ", "#")) and p.name != "batching.py"
    ]
    assert not offenders, offenders
