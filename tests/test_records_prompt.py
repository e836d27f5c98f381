from __future__ import annotations

import json

import pytest

from accellium.dataset.prompt import (
    PROMPT_VERSION,
    Example,
    build_completion,
    build_prompt,
    first_pragma_line,
)
from accellium.dataset.records import Record, dedup_key, read_jsonl, record_id, write_jsonl


def test_reads_every_shared_record_and_reproduces_keys(shared_data, tmp_path):
    recs = read_jsonl(shared_data / "test.jsonl")
    # every record of the file (its non-blank lines), whichever split the checkout has beside it
    lines = sum(1 for line in open(shared_data / "test.jsonl", encoding="utf-8") if line.strip())
    assert lines > 0 and len(recs) == lines
    for r in recs:
        assert r.dedup_key == dedup_key(r.pragma, r.loop)
        assert r.id == record_id(r.repo, r.commit, r.path, r.line)
    out = tmp_path / "copy.jsonl"
    assert write_jsonl(out, recs) == lines
    first_in = json.loads(open(shared_data / "test.jsonl").readline())
    first_out = json.loads(open(out).readline())
    assert first_in == first_out  # every field, same values


def test_bad_record_line_is_named(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"id": "x"}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:1: not a valid record"):
        read_jsonl(p)


def test_extra_fields_are_kept():
    r = Record.model_validate({
        "id": "a", "repo": "o/r", "commit": "c", "path": "p.c", "line": 1,
        "pragma": "#pragma acc loop", "directive": "loop", "loop": "for(;;);",
        "loop_stripped": "for(;;);", "loop_depth": 1, "lang": "c", "source": "mined"})
    assert r.model_dump()["source"] == "mined"


def test_prompt_contains_context_examples_and_loop():
    p = build_prompt("for (i=0;i<n;i++) s+=a[i];", "cpp",
                     enclosing=["#pragma acc  data copyin(a[0:n])"],
                     examples=[Example("#pragma acc kernels", "for(j=0;j<m;j++) x[j]=0;")])
    assert "C++" in p and p.endswith("### Pragma:\n")
    assert "#pragma acc data copyin(a[0:n])" in p
    assert p.index("### Example loop:") < p.index("### Loop:")
    assert "for (i=0;i<n;i++) s+=a[i];" in p
    cold = build_prompt("for(;;);", "c")
    assert "(none)" in cold and "Example" not in cold
    assert PROMPT_VERSION.startswith("accellium-prompt-v")


def test_completion_and_answer_extraction_invert_each_other():
    c = build_completion("#pragma acc parallel loop \\\n  reduction(+:s)")
    assert c == "#pragma acc parallel loop reduction(+:s)\n"
    assert first_pragma_line("blah\n" + c + "#pragma acc loop\n") == c.strip()
    assert first_pragma_line("no pragma here") is None
