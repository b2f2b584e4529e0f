"""Checkpoints written on a background thread: the state of the moment `save` was called, the same files
as a write in place, and a write error reaches the training thread."""

import time

import torch

from tests.test_train_loop import run, toy_config, toy_encoded, toy_model
from workbench.training import checkpoint, make_accelerator


def prepared(seed=0):
    accelerator, _ = make_accelerator(toy_config())
    model = toy_model()
    optimizer = torch.optim.AdamW(model.parameters())
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0)
    model.train()
    model(input_ids=torch.tensor([[1, 5, 6, 2]])).logits.sum().backward()
    optimizer.step()  # an optimizer with state to save
    model, optimizer = accelerator.prepare(model, optimizer)
    return accelerator, model, optimizer, scheduler


POSITION = checkpoint.Position(3, 0, 3, 0.5, 2, 1.0, 6)


def test_background_write_saves_the_state_at_the_call_and_the_same_files(tmp_path):
    accelerator, model, optimizer, scheduler = prepared()
    checkpoint.save(tmp_path / "inplace", accelerator, model, optimizer, scheduler, POSITION, None)
    writer = checkpoint.Writer()
    torch.manual_seed(5)  # the RNG state saved is this one, not the one after the changes below
    rng_at_save = torch.get_rng_state()
    checkpoint.save(tmp_path / "inplace", accelerator, model, optimizer, scheduler, POSITION, None)
    checkpoint.save(tmp_path / "background", accelerator, model, optimizer, scheduler, POSITION, None, writer=writer)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)  # training goes on while the file is written
    torch.rand(3)
    writer.wait()
    for name in ("model.safetensors", "state.pt", "position.json", "rng-0.pt"):
        assert (tmp_path / "background" / name).read_bytes() == (tmp_path / "inplace" / name).read_bytes(), name
    assert not (tmp_path / "background.tmp").exists()
    fresh = prepared()
    checkpoint.load(tmp_path / "background", *fresh)
    assert all(torch.equal(v, before[k]) for k, v in fresh[1].state_dict().items())
    assert torch.equal(torch.get_rng_state(), rng_at_save)


def test_a_failed_background_write_is_raised_by_wait(tmp_path):
    accelerator, model, optimizer, scheduler = prepared()
    (tmp_path / "a_file").write_text("not a folder")
    writer = checkpoint.Writer()
    checkpoint.save(tmp_path / "a_file" / "ck", accelerator, model, optimizer, scheduler, POSITION, None, writer=writer)
    try:
        writer.wait()
    except OSError:
        pass
    else:
        raise AssertionError("the write into a file's path should have failed")
    writer.wait()  # raised once, then the writer is usable again


def test_the_loop_returns_with_its_last_checkpoint_on_disk(tmp_path, monkeypatch):
    real = checkpoint._write_snapshot

    def slow_write(folder, snap, rank):
        time.sleep(0.5)  # a slow disk: the loop's last steps end before the write does
        real(folder, snap, rank)

    monkeypatch.setattr(checkpoint, "_write_snapshot", slow_write)
    tc = toy_config(epochs=1, checkpoint_every_steps=3)
    result, _ = run(tc, toy_model(), toy_encoded(8), checkpoint_dir=tmp_path / "checkpoint")
    assert result.steps == 4
    assert checkpoint.saved_position(tmp_path / "checkpoint").step == 3
    assert result.checkpoint_seconds < 0.4  # the loop did not wait on the disk, its end did


def test_switched_off_the_writer_writes_in_place(tmp_path):
    accelerator, model, optimizer, scheduler = prepared()
    writer = checkpoint.Writer(background=False)
    checkpoint.save(tmp_path / "ck", accelerator, model, optimizer, scheduler, POSITION, None, writer=writer)
    assert writer._thread is None and checkpoint.saved_position(tmp_path / "ck") == POSITION
