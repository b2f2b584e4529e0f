"""Baseline 2: what a Trainer user would write: a `transformers.Trainer` subclass that adds the loss.

Two variants, same code, same data, same batch size, epochs, learning rate, warm-up, weight decay,
T and alpha as the workbench; the loss is Hinton's, from logits; the teacher runs inside the loop (a
forward pass under no_grad on every training batch); `DataCollatorWithPadding` pads each batch to its
own longest text.

- `hf_trainer`: the Trainer's defaults (fp32, random batches, linear schedule, clipping at 1.0, and
  whatever `optim` defaults to: `adamw_torch_fused` since transformers 5 on torch >= 2.8).
- `hf_trainer_tuned` (spec option `tuned`): what a competent user turns on, the honest anchor:
  `bf16=True` where the CPU has native bf16 (the same detection the workbench's `precision: auto`
  uses; emulated bf16 is slower than fp32), length-grouped batches and `optim="adamw_torch_fused"`.
  The teacher's forward runs under the Trainer's own autocast, so with bf16 on it is bf16 too.

Nothing else differs between the two (`TUNED` is the whole difference; the result records every
TrainingArguments field so the smoke test can check that).

Both do the work the workbench's run does, so the benchmark compares like for like: the teacher labels
the training texts (in the loop), the student is evaluated on validation `EVALS_PER_EPOCH` times an
epoch (the workbench's default `training.evals_per_epoch`) and the best weights are kept
(`load_best_model_at_end`, which saves each evaluated checkpoint: the Trainer's way of keeping the
best), and the teacher is measured on validation and test (`Trainer.predict`), as the workbench's
report does. During evaluation the loss skips the teacher (a plain cross-entropy): a user would not
pay a teacher forward for an evaluation loss nobody reads. transformers 5 spells `group_by_length=True`
as `train_sampling_strategy="group_by_length"`; the sampler measures `input_ids` lengths itself when
training starts (a `length` column would not help: the Trainer drops columns the model's forward does
not take before it builds the sampler), so that cost is inside the timed loop, as it is for a user.

    python -m benchmarks.hf_trainer --spec SPEC.json --out RESULT.json [--variant hf_trainer_tuned]
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from typing import Any

from benchmarks.common import Result, Spec, accuracy, load_data, load_teacher_and_student, main_args, write_result

EVALS_PER_EPOCH = 4  # the workbench's default `training.evals_per_epoch`


def tuned_args(native_bf16: bool) -> dict[str, Any]:
    """The TrainingArguments the tuned variant adds to the shared ones: its whole difference."""
    return {"bf16": native_bf16, "train_sampling_strategy": "group_by_length", "optim": "adamw_torch_fused"}


def main() -> None:
    args = main_args(__doc__.splitlines()[0])
    load_before = list(os.getloadavg())
    import datasets
    import torch
    import torch.nn.functional as F
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    from workbench.core import cpu_has_native_bf16

    datasets.disable_progress_bars()
    spec = Spec.read(args.spec)
    tuned = bool(spec.options.get("tuned", False))
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
            outputs = model(**inputs)  # accelerate autocasts the student's forward and returns fp32 logits
            if not model.training:  # evaluation: its loss is not what anyone reads, no teacher forward
                loss = F.cross_entropy(outputs.logits.float(), labels)
                return (loss, outputs) if return_outputs else loss
            t0 = time.perf_counter()
            # the teacher was not prepared by accelerate: give it the same autocast (a no-op in fp32)
            with torch.no_grad(), self.accelerator.autocast():
                teacher_logits = self.teacher(**inputs).logits.float()  # (bs, C)
            teacher_seconds[0] += time.perf_counter() - t0
            soft = F.kl_div(
                F.log_softmax(outputs.logits / T, dim=-1), F.softmax(teacher_logits / T, dim=-1), reduction="batchmean"
            ) * (T * T)
            hard = F.cross_entropy(outputs.logits, labels)
            loss = alpha * soft + (1 - alpha) * hard
            return (loss, outputs) if return_outputs else loss

    def tokenize(batch):
        return tok(batch["text"], truncation=True, max_length=spec.max_length)

    def dataset(split):
        ds = datasets.Dataset.from_dict({"text": split.texts, "labels": split.labels})
        return ds.map(tokenize, batched=True, remove_columns=["text"])

    def compute_metrics(pred):
        return {"accuracy": float((pred.predictions.argmax(-1) == pred.label_ids).mean())}

    train_ds, val_ds, test_ds = dataset(data.train), dataset(data.validation), dataset(data.test)
    updates_per_epoch = math.ceil(len(train_ds) / spec.batch_size)
    eval_steps = max(1, math.ceil(updates_per_epoch / EVALS_PER_EPOCH))  # and at the end, as the workbench

    with tempfile.TemporaryDirectory() as out_dir:
        shared = dict(
            output_dir=out_dir,
            use_cpu=not torch.cuda.is_available(),  # bf16 on the CPU needs it; the same for both variants
            per_device_train_batch_size=spec.batch_size,
            per_device_eval_batch_size=64,
            num_train_epochs=spec.epochs,
            learning_rate=spec.learning_rate,
            warmup_steps=0.06,  # a float below 1 is a share of the steps (transformers 5)
            weight_decay=0.01,
            eval_strategy="steps",
            eval_steps=eval_steps,
            save_strategy="steps",  # load_best_model_at_end needs the evaluated checkpoints saved
            save_steps=eval_steps,
            save_only_model=True,
            save_total_limit=1,  # the best is kept besides the last
            load_best_model_at_end=True,
            metric_for_best_model="accuracy",
            logging_steps=50,
            dataloader_num_workers=0,
            report_to=[],
            disable_tqdm=True,
            seed=spec.seed,
        )
        targs = TrainingArguments(**shared, **(tuned_args(cpu_has_native_bf16()) if tuned else {}))
        trainer = DistillationTrainer(
            model=student.model,
            args=targs,
            train_dataset=train_ds,
            eval_dataset=val_ds,
            data_collator=DataCollatorWithPadding(tok),
            compute_metrics=compute_metrics,
            teacher_model=teacher.model,
        )
        t0 = time.perf_counter()
        out = trainer.train()
        train_s = time.perf_counter() - t0
        optimizer = getattr(trainer.optimizer, "optimizer", trainer.optimizer)  # accelerate wraps it

        # the teacher measured on validation and test, as the workbench's report measures it, in the same precision
        t0 = time.perf_counter()
        teacher_trainer = Trainer(
            model=teacher.model.eval(),
            args=targs,
            eval_dataset=val_ds,
            data_collator=DataCollatorWithPadding(tok),
            compute_metrics=compute_metrics,
        )
        splits = (("validation", val_ds), ("test", test_ds))
        teacher_acc = {name: teacher_trainer.predict(ds).metrics["test_accuracy"] for name, ds in splits}
        teacher_eval_s = time.perf_counter() - t0

        # trainer.model's forward keeps accelerate's autocast: evaluated in the precision it trained in,
        # as the workbench does
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
                logits.append(model(**enc).logits.float().cpu())  # (bs, C)
        eval_s = time.perf_counter() - t0

    trainer_args = {k: v for k, v in targs.to_dict().items() if k not in ("output_dir", "logging_dir")}
    n = len(data.train)
    write_result(
        args.out,
        Result(
            variant=args.variant or ("hf_trainer_tuned" if tuned else "hf_trainer"),
            train_examples=n,
            epochs=spec.epochs,
            # the same work as the workbench: the loop (teacher labels inside it, evaluations, best kept)
            # and the teacher measured on validation and test
            examples_per_s=n * spec.epochs / (train_s + teacher_eval_s),
            teacher_s=teacher_seconds[0] + teacher_eval_s,
            train_s=train_s,
            eval_s=eval_s,
            val_accuracy=accuracy(torch.cat(logits), data.validation.labels),
            precision="bf16" if targs.bf16 else "fp32",
            batch_size=spec.batch_size,
            load_before=load_before,
            extra={
                "teacher_in_loop": True,
                "phases": {
                    "teacher on train (inside the loop)": teacher_seconds[0],
                    "training loop (teacher forward, 4 validation passes per epoch, checkpoint saves, best reloaded)": train_s,
                    "teacher on validation and test (Trainer.predict)": teacher_eval_s,
                },
                "work_s": train_s + teacher_eval_s,
                "teacher_accuracy": teacher_acc,
                "eval_steps": eval_steps,
                "evaluations": sum(1 for e in trainer.state.log_history if "eval_accuracy" in e),
                "tuned": tuned,
                "trainer_runtime_s": out.metrics.get("train_runtime"),
                "optimizer": f"{type(optimizer).__name__}(fused={optimizer.defaults.get('fused')})",
                "trainer_args": trainer_args,
            },
        ),
    )


if __name__ == "__main__":
    main()
