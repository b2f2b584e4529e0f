"""Baseline 1: the loop from the article this project grew from, reproduced as it was written.

What it does, and what the workbench does instead:
- every text is padded to the longest in the whole data set (workbench: per batch, length-grouped);
- the teacher runs once over the whole training set in a single call (workbench: batches of 64,
  cached on disk by content);
- it keeps the teacher's *probabilities* (softmax of the logits), and the loss applies softmax to them
  again: softmax(softmax(z_t) / T) is close to uniform, so the soft targets carry little of the
  teacher's knowledge (workbench: softmax(z_t / T) from logits). Its accuracy is what it is;
- batch 16, fp32, plain AdamW, no schedule, no gradient clipping.

    python -m benchmarks.article --spec SPEC.json --out RESULT.json
"""

from __future__ import annotations

import os
import time

from benchmarks.common import Result, Spec, accuracy, load_data, load_teacher_and_student, main_args, write_result

BATCH_SIZE = 16


def main() -> None:
    args = main_args(__doc__.splitlines()[0])
    load_before = list(os.getloadavg())
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    spec = Spec.read(args.spec)
    torch.manual_seed(spec.seed)
    data = load_data(spec)
    teacher, student = load_teacher_and_student(spec, data.label_names)
    tok = teacher.tokenizer
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    T, alpha = spec.temperature, spec.alpha

    # every example padded to the longest in the data
    enc = tok(data.train.texts, padding=True, truncation=True, max_length=spec.max_length, return_tensors="pt")
    labels = torch.tensor(data.train.labels)

    # teacher logits in one call, turned into probabilities
    t0 = time.perf_counter()
    teacher.model.to(device).eval()
    with torch.no_grad():
        teacher_out = teacher.model(**{k: v.to(device) for k, v in enc.items()}).logits
        teacher_probs = F.softmax(teacher_out, dim=-1).cpu()  # (n, C) probabilities
    teacher_s = time.perf_counter() - t0
    del teacher

    names = list(enc.keys())  # input_ids, token_type_ids, attention_mask
    dataset = TensorDataset(*(enc[k] for k in names), labels, teacher_probs)
    loader = DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True)
    model = student.model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=spec.learning_rate)

    t0 = time.perf_counter()
    model.train()
    steps = 0
    epochs = max(1, round(spec.epochs))
    for _ in range(epochs):
        for *inputs, y, probs in loader:
            inputs, y, probs = [t.to(device) for t in inputs], y.to(device), probs.to(device)
            out = model(**dict(zip(names, inputs, strict=True)))
            # the article's loss: softmax applied to teacher *probabilities* (a second softmax)
            soft = F.kl_div(
                F.log_softmax(out.logits / T, dim=-1), F.softmax(probs / T, dim=-1), reduction="batchmean"
            ) * (T * T)
            hard = F.cross_entropy(out.logits, y)
            loss = alpha * soft + (1 - alpha) * hard
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            steps += 1
    train_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    model.eval()
    val = tok(data.validation.texts, padding=True, truncation=True, max_length=spec.max_length, return_tensors="pt")
    with torch.no_grad():
        logits = torch.cat(
            [
                model(**{k: v[i : i + 64].to(device) for k, v in val.items()}).logits.cpu()
                for i in range(0, len(data.validation), 64)
            ]
        )
    eval_s = time.perf_counter() - t0

    n = len(data.train)
    write_result(
        args.out,
        Result(
            variant=args.variant or "article",
            train_examples=n,
            epochs=epochs,
            examples_per_s=n * epochs / (teacher_s + train_s),
            teacher_s=teacher_s,
            train_s=train_s,
            eval_s=eval_s,
            val_accuracy=accuracy(logits, data.validation.labels),
            precision="fp32",
            batch_size=BATCH_SIZE,
            load_before=load_before,
            extra={"steps": steps, "padded_length": int(enc["input_ids"].shape[1])},
        ),
    )


if __name__ == "__main__":
    main()
