"""The teacher-logit cache key: it changes with everything that changes the teacher's logits, and only that."""

import copy

from workbench.distill import logits_cache as cache
from workbench.models import fingerprints


def key_of(model, tokenizer):
    fp = fingerprints.model_fingerprint(model) + fingerprints.tokenizer_fingerprint(tokenizer)
    return cache.logits_key(fp, ["a text", "another"], 32, "fp32")


def tiny_model(tokenizer, **overrides):
    import torch
    from transformers import AutoModelForSequenceClassification

    from tests.conftest import tiny_bert_config

    torch.manual_seed(0)
    return AutoModelForSequenceClassification.from_config(tiny_bert_config(tokenizer, num_hidden_layers=1, **overrides))


def test_normalizer_change_changes_the_key(bundled_tokenizer):
    from tokenizers.normalizers import BertNormalizer

    model = tiny_model(bundled_tokenizer)
    tok = copy.deepcopy(bundled_tokenizer)
    before = key_of(model, tok)
    tok.backend_tokenizer.normalizer = BertNormalizer(lowercase=False)
    assert key_of(model, tok) != before


def test_truncation_state_does_not_change_the_key(bundled_tokenizer):
    model = tiny_model(bundled_tokenizer)
    tok = copy.deepcopy(bundled_tokenizer)
    before = key_of(model, tok)
    tok(["some text to tokenise"], truncation=True, max_length=9, padding="max_length")  # sets backend state
    assert key_of(model, tok) == before


def test_forward_config_fields_change_the_key_and_label_names_do_not(bundled_tokenizer):
    base = key_of(tiny_model(bundled_tokenizer), bundled_tokenizer)
    assert key_of(tiny_model(bundled_tokenizer, hidden_act="relu"), bundled_tokenizer) != base
    assert key_of(tiny_model(bundled_tokenizer, layer_norm_eps=1e-5), bundled_tokenizer) != base
    eager = tiny_model(bundled_tokenizer)
    eager.config._attn_implementation = "eager" if eager.config._attn_implementation != "eager" else "sdpa"
    assert key_of(eager, bundled_tokenizer) != base
    renamed = tiny_model(bundled_tokenizer, id2label={0: "bad", 1: "good"}, label2id={"bad": 0, "good": 1})
    assert key_of(renamed, bundled_tokenizer) == base
    named = tiny_model(bundled_tokenizer)
    named.config._name_or_path = "/somewhere/else"
    assert key_of(named, bundled_tokenizer) == base


def test_special_tokens_change_the_key(bundled_tokenizer):
    model = tiny_model(bundled_tokenizer)
    tok = copy.deepcopy(bundled_tokenizer)
    before = key_of(model, tok)
    tok.cls_token = "[SEP]"
    assert key_of(model, tok) != before
