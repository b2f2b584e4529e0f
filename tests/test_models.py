"""Model sources and student construction on tiny models built from configs."""

import shutil

import pytest
import torch

from workbench.config import StudentConfig
from workbench.core import WorkbenchError
from workbench.models import (
    accepted_inputs,
    build_student,
    default_layers,
    load_classifier,
    param_breakdown,
    save_model,
)
from workbench.models.layers import encoder_layers

LABELS = ["negative", "positive"]


def test_local_model_gets_the_data_label_space(tiny_bert):
    t = load_classifier("local", str(tiny_bert), LABELS)
    assert t.label_names == LABELS and t.num_labels == 2


def test_bundled_model_has_an_untrained_head():
    t = load_classifier("bundled", "", LABELS)
    assert t.head_trained is False and t.label_names == LABELS
    assert param_breakdown(t.model)["total"] == 22_713_986  # 22.7M with a 2-class head, as documented


def test_saved_classifier_keeps_its_head_and_checks_labels(tiny_bert, tmp_path):
    t = load_classifier("local", str(tiny_bert), LABELS)
    save_model(t, tmp_path / "model")
    again = load_classifier("run", str(tmp_path), LABELS)  # a run folder: RUN/model
    assert again.head_trained is True
    with pytest.raises(WorkbenchError, match="trained for 2 labels but the data has 3"):
        load_classifier("local", str(tmp_path / "model"), ["a", "b", "c"])
    with pytest.raises(WorkbenchError, match="predicts labels"):
        load_classifier("local", str(tmp_path / "model"), ["bad", "good"])


def test_layer_cut_student_keeps_chosen_layers(tiny_bert):
    t = load_classifier("local", str(tiny_bert), LABELS)
    s = build_student(StudentConfig(kind="layers", layers=[1, 3]), t, LABELS)
    _, _, layers = encoder_layers(s.model)
    _, _, t_layers = encoder_layers(t.model)
    assert len(layers) == 2 and s.model.config.num_hidden_layers == 2
    assert torch.equal(layers[0].output.dense.weight, t_layers[1].output.dense.weight)
    assert layers[0].output.dense.weight is not t_layers[1].output.dense.weight  # a copy, not shared
    assert param_breakdown(s.model)["encoder"] == param_breakdown(t.model)["encoder"] // 2
    assert default_layers(6) == [0, 2, 4] and default_layers(12) == [0, 2, 4, 6, 8, 10]


@pytest.mark.parametrize("layers", [[7], [0, 1, 2, 3]])
def test_bad_layer_choices(tiny_bert, layers):
    t = load_classifier("local", str(tiny_bert), LABELS)
    with pytest.raises(WorkbenchError):
        build_student(StudentConfig(kind="layers", layers=layers), t, LABELS)


def test_scratch_student_reuses_tokenizer_and_projects_embeddings(tiny_bert):
    t = load_classifier("local", str(tiny_bert), LABELS)
    s = build_student(
        StudentConfig(
            kind="scratch", num_layers=1, hidden_size=16, num_heads=2, intermediate_size=32, prune_vocab=False
        ),
        t,
        LABELS,
    )
    assert s.tokenizer is t.tokenizer
    assert s.model.config.hidden_size == 16 and s.model.config.num_hidden_layers == 1
    w_t = t.model.get_input_embeddings().weight
    w_s = s.model.get_input_embeddings().weight
    # projected on the teacher's top principal directions: same token geometry up to rotation
    centred = w_t - w_t.mean(0)
    _, sv, _ = torch.linalg.svd(centred, full_matrices=False)
    assert w_s.norm().item() == pytest.approx(sv[:16].norm().item(), rel=1e-3)
    assert param_breakdown(s.model)["total"] < param_breakdown(t.model)["total"]


def test_pretrained_student_of_another_architecture(tiny_bert, tiny_distilbert):
    t = load_classifier("local", str(tiny_bert), LABELS)
    s = build_student(StudentConfig(kind="pretrained", source="local", name=str(tiny_distilbert)), t, LABELS)
    assert "token_type_ids" in accepted_inputs(t.model)
    assert "token_type_ids" not in accepted_inputs(s.model)
    assert s.label_names == LABELS


def test_param_breakdown_adds_up(tiny_bert):
    m = load_classifier("local", str(tiny_bert), LABELS).model
    b = param_breakdown(m)
    assert b["embeddings"] + b["encoder"] + b["head"] == b["total"] == sum(p.numel() for p in m.parameters())
    assert b["head"] == 32 * 32 + 32 + 32 * 2 + 2  # pooler + classifier


def test_pickle_only_folder_is_refused(tiny_bert, tmp_path):
    folder = tmp_path / "pickled"
    shutil.copytree(tiny_bert, folder)
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(b"not even loaded")
    with pytest.raises(WorkbenchError, match="pickle weights"):
        load_classifier("local", str(folder), LABELS)


def test_folder_without_weights_or_config(tiny_bert, tmp_path):
    folder = tmp_path / "noweights"
    shutil.copytree(tiny_bert, folder)
    (folder / "model.safetensors").unlink()
    with pytest.raises(WorkbenchError, match="no model weights"):
        load_classifier("local", str(folder), LABELS)
    (folder / "config.json").unlink()
    with pytest.raises(WorkbenchError, match="no config.json"):
        load_classifier("local", str(folder), LABELS)
    with pytest.raises(WorkbenchError, match="not found"):
        load_classifier("local", str(tmp_path / "missing"), LABELS)


def test_unknown_hub_id_offline_is_one_line():
    with pytest.raises(WorkbenchError) as err:
        load_classifier("hub", "no-such-org/no-such-model", LABELS)
    assert "could not load model 'no-such-org/no-such-model'" in str(err.value)
    assert "\n" not in str(err.value)


def test_hub_id_loads_from_the_hub_cache_offline(hub_cache, monkeypatch):
    """The real hub path: a model laid out in the hub cache format loads by its id, offline."""
    import huggingface_hub.constants as hc

    monkeypatch.setattr(hc, "HF_HUB_OFFLINE", True)
    t = load_classifier("hub", hub_cache, LABELS)
    assert t.model.config.hidden_size == 32 and t.label_names == LABELS
