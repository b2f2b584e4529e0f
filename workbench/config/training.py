"""The training sections: one `TrainConfig` shape serves both `teacher_training:` and `training:` (the student).

The two sections differ only in their defaults (see `workbench.config.run`), so the optimiser,
precision and checkpoint settings are declared once.

Best checkpoint and early stopping judge validation accuracy, the report's headline number: with the
bundled two-class data accuracy and macro-F1 rank checkpoints alike, and one metric everywhere (the
loop, the report, the UI's "best validation accuracy") means nobody has to ask which one was meant.
A tie keeps the earlier step: no better result was found after it.

`evals_per_epoch` = 4, measured on the `first-run` preset (2-core machine under a load of ~8, so
ratios, not seconds): one validation pass (1,276 texts) costs 2.2% of a training epoch for the
teacher and 1.7-2.4% for the distilled student. Three passes more per run add ~6% to each training,
~15 s of the guided first run's 4.6 minutes, and a one-pass run gets a four-point validation curve.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config.fields import option


@dataclass
class TrainConfig:
    learning_rate: float = option(1e-4, "peak learning rate of AdamW")
    batch_size: int = option(32, "examples per optimizer step (per process)")
    eval_batch_size: int = option(64, "examples per forward pass when evaluating")
    epochs: float = option(3, "passes over the training data")
    max_steps: int | None = option(
        None,
        "optimizer steps to make, passes over the data repeating until they are made; empty = from epochs "
        "(the no-teacher baseline sets it to its distilled run's steps)",
    )
    max_length: int = option(128, "tokens kept per text; longer texts are truncated")
    warmup_ratio: float = option(0.06, "share of steps spent warming the learning rate up")
    weight_decay: float = option(0.01, "AdamW weight decay")
    max_grad_norm: float = option(1.0, "gradient clipping norm; 0 turns clipping off")
    gradient_accumulation_steps: int = option(
        1, "micro-batches per optimizer step; an epoch's last, shorter window still ends in a step"
    )
    eval_every_steps: int = option(0, "evaluate on validation every N steps; 0 = evals_per_epoch times an epoch")
    evals_per_epoch: int = option(
        4, "validation passes spread evenly over each epoch (when eval_every_steps is 0): a one-pass run gets a curve"
    )
    keep_best: bool = option(
        True,
        "save the weights of the best validation accuracy (ties: the earlier step), not the last step's",
    )
    early_stopping_patience: int = option(
        0, "stop once this many validation passes in a row bring no better accuracy; 0 = never stop early"
    )
    log_every_steps: int = option(10, "write a step event every N optimizer steps")
    checkpoint_every_steps: int = option(200, "save a resumable checkpoint every N steps; 0 = never")
    precision: str = option("auto", "auto | fp32 | bf16 | fp16 (auto = bf16 where the hardware has it)")
    latency_precision: str = option(
        "fp32",
        "fp32 | bf16 | match: the precision both models are timed in for the report (match = the training precision)",
    )
    device: str = option("auto", "auto | cpu | cuda")
    group_by_length: bool = option(True, "batch texts of similar length together (less padding)")
    cache_teacher_logits: bool = option(True, "reuse teacher logits across runs (keyed by content)")
    num_threads: int = option(0, "torch CPU threads; 0 = all cores")
    first_token_last_layer: bool = option(
        True,
        "run a BERT-family model's last layer for the first token alone where only logits are read "
        "(teacher pass, training steps, evaluations): the same logits, less arithmetic",
    )
    freeze_word_embeddings: bool = option(
        False,
        "keep the word-embedding table fixed: faster steps for small models, whose table is most of their weights",
    )
