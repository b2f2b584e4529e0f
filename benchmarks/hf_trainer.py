"""Baseline 2: what most users would write: a `transformers.Trainer` subclass that adds the loss.

The teacher runs inside the loop (a forward pass under no_grad on every training batch),
`DataCollatorWithPadding` pads each random batch to its own longest text, the Trainer's defaults
otherwise (fp32, linear schedule, gradient clipping at 1.0). Same batch size, learning rate,
warm-up, weight decay, T and alpha as the workbench; the loss is Hinton's, from logits.

    python -m benchmarks.hf_trainer --spec SPEC.json --out RESULT.json
"""

from __future__ import annotations

import os
import tempfile
import time

from benchmarks.common import Result, Spec, accuracy, load_data, load_teacher_and_student, main_args, write_result


def main() -> None:
    args = main_args(__doc__.splitlines()[0])
    load_before = list(os.getloadavg())
    import datasets
    import torch
    import torch.nn.functional as F
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    datasets.disable_progress_bars()
    spec = Spec.read(args.spec)
    torch.manual_seed(spec.seed)
    data = load_data(spec)
    teacher, student = load_teacher_and_student(spec, data.label_names)
    tok = teacher.tokenizer
    T, alpha = spec.temperature, spec.alpha
    teacher_seconds = [0.0]

    class DistillationTrainer(Trainer):
        def __init__(self, *a, teacher_model, **kw):
            super().__init__(*a, **kw)
            self.teacher = teacher_model.to(self.model.device).eval()

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            labels = inputs.pop("labels")
            outputs = model(**inputs)
            t0 = time.perf_counter()
            with torch.no_grad():
                teacher_logits = self.teacher(**inputs).logits  # (bs, C)
            teacher_seconds[0] += time.perf_counter() - t0
            soft = F.kl_div(
                F.log_softmax(outputs.logits / T, dim=-1), F.softmax(teacher_logits / T, dim=-1), reduction="batchmean"
            ) * (T * T)
            hard = F.cross_entropy(outputs.logits, labels)
            loss = alpha * soft + (1 - alpha) * hard
            return (loss, outputs) if return_outputs else loss

    def tokenize(batch):
        return tok(batch["text"], truncation=True, max_length=spec.max_length)

    train_ds = datasets.Dataset.from_dict({"text": data.train.texts, "labels": data.train.labels})
    train_ds = train_ds.map(tokenize, batched=True, remove_columns=["text"])

    with tempfile.TemporaryDirectory() as out_dir:
        targs = TrainingArguments(
            output_dir=out_dir,
            per_device_train_batch_size=spec.batch_size,
            per_device_eval_batch_size=64,
            num_train_epochs=spec.epochs,
            learning_rate=spec.learning_rate,
            warmup_steps=0.06,  # a float below 1 is a share of the steps (transformers 5)
            weight_decay=0.01,
            eval_strategy="no",
            save_strategy="no",
            logging_steps=50,
            report_to=[],
            disable_tqdm=True,
            seed=spec.seed,
        )
        trainer = DistillationTrainer(
            model=student.model,
            args=targs,
            train_dataset=train_ds,
            data_collator=DataCollatorWithPadding(tok),
            teacher_model=teacher.model,
        )
        t0 = time.perf_counter()
        out = trainer.train()
        train_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        model = trainer.model.eval()
        logits = []
        with torch.no_grad():
            for i in range(0, len(data.validation), 64):
                enc = tok(
                    data.validation.texts[i : i + 64],
                    padding=True,
                    truncation=True,
                    max_length=spec.max_length,
                    return_tensors="pt",
                ).to(model.device)
                logits.append(model(**enc).logits.float().cpu())
        eval_s = time.perf_counter() - t0

    n = len(data.train)
    write_result(
        args.out,
        Result(
            variant=args.variant or "hf_trainer",
            train_examples=n,
            epochs=spec.epochs,
            examples_per_s=n * spec.epochs / train_s,  # the teacher runs inside the loop
            teacher_s=teacher_seconds[0],
            train_s=train_s,
            eval_s=eval_s,
            val_accuracy=accuracy(torch.cat(logits), data.validation.labels),
            precision="fp32",
            batch_size=spec.batch_size,
            load_before=load_before,
            extra={"teacher_in_loop": True, "trainer_runtime_s": out.metrics.get("train_runtime")},
        ),
    )


if __name__ == "__main__":
    main()
