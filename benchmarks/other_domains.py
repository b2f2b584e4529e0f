"""Other-domain sentiment sets: does a distilled student keep its teacher's accuracy on text it never trained on?

    python -m benchmarks.other_domains RUN_DIR                 fetches the sets (pip download), measures, prints
    python -m benchmarks.other_domains RUN_DIR --sdist FILE    from a vaderSentiment-3.3.2.tar.gz already here
    python -m benchmarks.other_domains RUN_DIR --max-examples 500   a quicker look (a seeded sample of each set)

The bundled data is Rotten Tomatoes snippets (movie reviews). The other domains come from the ground truth
of Hutto & Gilbert, "VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text"
(ICWSM 2014), which the vaderSentiment source distribution on PyPI carries in
`additional_resources/hutto_ICWSM_2014.tar.gz` (the wheel does not):

| set            | file                                  | what it is                                             |
|----------------|---------------------------------------|--------------------------------------------------------|
| tweets         | tweets_GroundTruth.txt                | 4,200 tweets                                           |
| amazon_reviews | amazonReviewSnippets_GroundTruth.txt  | 3,708 sentences from Amazon product reviews            |
| nyt_editorials | nytEditorialSnippets_GroundTruth.txt  | 5,190 sentences from New York Times opinion pieces     |

Each line is `id <TAB> mean rating <TAB> text` (HTML entities such as &amp; are unescaped), the mean of 20 people's ratings from -4 (extremely negative)
to +4 (extremely positive). Labels here: positive when the mean is >= 0.5, negative when <= -0.5; the
texts in between are dropped (people did not agree on a polarity; a two-class model has no right answer
for them). The set's movie-review file is left out: it is Pang & Lee's data, the bundled data's own source.

Nothing here is an app dependency: the sdist is fetched with pip into a cache folder (checked against its
SHA-256) only when this command runs. The run's teacher and student are loaded as Compare loads them and
measured with the engine's `measure_sets` (the code behind a run's `extra_eval`); report.json is not
touched. The last line printed is one JSON object: per set n, accuracies, kept; and `min_kept`.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pandas as pd

from workbench.core import describe_machine
from workbench.evaluation import read_config

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SDIST = "vaderSentiment==3.3.2"
SDIST_FILE = "vaderSentiment-3.3.2.tar.gz"
SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
INNER = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
SETS = {
    "tweets": "hutto_ICWSM_2014/tweets_GroundTruth.txt",
    "amazon_reviews": "hutto_ICWSM_2014/amazonReviewSnippets_GroundTruth.txt",
    "nyt_editorials": "hutto_ICWSM_2014/nytEditorialSnippets_GroundTruth.txt",
}
NEUTRAL_BAND = 0.5  # |mean rating| below this: no polarity people agree on, dropped
CACHE = Path(os.environ.get("WORKBENCH_CACHE_DIR", Path.home() / ".cache" / "distillation-workbench")) / "other_domains"


def fetch_sdist(cache: Path = CACHE) -> Path:
    """The vaderSentiment source distribution, downloaded once with pip (PyPI only, no other host)."""
    target = cache / SDIST_FILE
    if not target.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", SDIST, "-d", str(cache)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not target.is_file():
            raise SystemExit(f"error: pip could not download {SDIST}: {(done.stderr or '').strip()[-300:]}")
    return target


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def ground_truth(text: str) -> pd.DataFrame:
    """One ground-truth file -> a frame of text and label (positive / negative), the neutral band dropped."""
    rows = []
    for line in text.splitlines():
        parts = line.rstrip("\r").split("\t", 2)
        if len(parts) != 3 or not parts[2].strip():
            continue
        mean = float(parts[1])
        if abs(mean) >= NEUTRAL_BAND:
            text = html.unescape(parts[2].strip())  # the tweets keep HTML entities: &amp;
            rows.append({"text": text, "label": "positive" if mean > 0 else "negative", "mean": mean})
    return pd.DataFrame(rows, columns=["text", "label", "mean"])


def other_domain_sets(sdist: Path) -> dict[str, pd.DataFrame]:
    """Each other-domain set as a frame (text, label, mean), read straight from the sdist's nested tarball
    (checked first: a different file would give different numbers under the same name)."""
    if _sha256(sdist) != SDIST_SHA256:
        raise SystemExit(f"error: {sdist} is not the {SDIST} source distribution (its SHA-256 differs)")
    with tarfile.open(sdist) as outer:
        inner_bytes = outer.extractfile(INNER).read()
    frames = {}
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        for name, member in SETS.items():
            frames[name] = ground_truth(inner.extractfile(member).read().decode("utf-8", errors="replace"))
    return frames


def measure(run_dir: Path, frames: dict[str, pd.DataFrame], max_examples: int | None = None) -> dict:
    """Teacher and student of the finished distillation run on each set: n, accuracies, macro-F1, kept."""
    import torch

    from workbench.data import ExtraSet, map_labels
    from workbench.evaluation import measure_sets
    from workbench.studio import load_run_models

    teacher, student, max_length = load_run_models(run_dir)
    names = teacher.label_names
    sets = []
    for name, frame in frames.items():
        if max_examples and len(frame) > max_examples:
            frame = frame.sample(n=max_examples, random_state=0)
        sets.append(ExtraSet(name, frame["text"].tolist(), map_labels(frame["label"].tolist(), names, {}, name)))
    models = {"teacher": teacher, "student": student}
    return measure_sets(sets, models, len(names), max_length, 64, torch.device("cpu"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dir", help="a finished distillation run folder (with model/ and report.json)")
    p.add_argument("--sdist", default=None, help=f"{SDIST_FILE} already on this machine (default: pip download)")
    p.add_argument("--max-examples", type=int, default=None, help="a seeded sample of at most N texts per set")
    p.add_argument("--out", default=None, help="also write the last line's JSON object to this file")
    args = p.parse_args(argv)
    run_dir = Path(args.run_dir)
    report_path = run_dir / "report.json"
    if not report_path.is_file() or json.loads(report_path.read_text()).get("kind") != "distill":
        print(f"error: {run_dir} is not a finished distillation run (no distill report.json)", file=sys.stderr)
        return 2
    sdist = Path(args.sdist) if args.sdist else fetch_sdist()
    results = measure(run_dir, other_domain_sets(sdist), args.max_examples)
    for name, r in results.items():
        kept = "-" if r["kept"] is None else f"{r['kept']:.3f}"
        t_acc, s_acc = r["teacher"]["accuracy"], r["student"]["accuracy"]
        print(f"{name:15s} n={r['n']:5d}  teacher {t_acc:.3f}  student {s_acc:.3f}  kept {kept}")
    kept = [r["kept"] for r in results.values() if r["kept"] is not None]
    summary = {"run": run_dir.name, "sets": results, "min_kept": min(kept) if kept else None}
    summary["student"] = read_config(run_dir).get("student", {}).get("kind")
    summary["machine"] = describe_machine()
    if args.out:
        Path(args.out).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
