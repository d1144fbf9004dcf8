"""Same size, seed and reference date → identical output; another seed → another cohort."""

import hashlib
from pathlib import Path

import pandas as pd

from spinereg.synth import COHORT_TABLES, SCHEMAS, generate_frames, write_parquet
from tests.synth.conftest import small_config


def _digest(frames: dict[str, pd.DataFrame]) -> str:
    digest = hashlib.sha256()
    for label in sorted(frames):
        hashes = pd.util.hash_pandas_object(frames[label].astype(str), index=True)
        digest.update(label.encode())
        digest.update(hashes.to_numpy().tobytes())
    return digest.hexdigest()


def test_the_same_arguments_give_identical_frames():
    first = generate_frames(small_config(patients=300))
    second = generate_frames(small_config(patients=300))
    assert _digest(first) == _digest(second)
    for label in COHORT_TABLES:
        pd.testing.assert_frame_equal(first[label], second[label])


def test_another_seed_gives_another_cohort():
    assert _digest(generate_frames(small_config(patients=300, seed=1))) != _digest(
        generate_frames(small_config(patients=300, seed=2))
    )


def test_the_parquet_files_are_byte_identical(tmp_path: Path):
    def write(where: Path) -> dict[str, str]:
        write_parquet(small_config(patients=300, chunk_size=120), where)
        return {
            path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(where.iterdir())
        }

    first, second = write(tmp_path / "a"), write(tmp_path / "b")
    assert first == second
    assert set(first) == {f"{label}.parquet" for label in COHORT_TABLES} | {"manifest.json"}


def test_frames_carry_exactly_the_schema_columns(cohort):
    for label in COHORT_TABLES:
        assert list(cohort[label].columns) == SCHEMAS[label].names, label


def test_ids_start_at_the_offsets_given():
    config = small_config(patients=50, chunk_size=20)
    offsets = {label: 1000 * (position + 1) for position, label in enumerate(COHORT_TABLES)}
    frames = generate_frames(config, offsets)
    for label in COHORT_TABLES:
        ids = frames[label]["id"].to_numpy()
        if len(ids):
            assert ids[0] == offsets[label], label
            assert (ids == offsets[label] + pd.RangeIndex(len(ids))).all(), label
