"""The evidence folder of an acceptance and its manifest of SHA-256 fingerprints.

    DIR/rapport-recette.html           the printable report
    DIR/evidence/contrat.toml          the contract file, byte for byte
    DIR/evidence/resultats.json        clauses, pages, medians, protocol, versions
    DIR/evidence/pages/NN/run-K.json   capture and scores of measurement K of page NN
    DIR/evidence/pages/NN/run-K.png    its screenshot
    DIR/MANIFEST.sha256                "<sha256>  <path>" for every other file (sha256sum -c format)

`verify_folder(DIR)` recomputes every fingerprint: a changed, missing or added file is reported.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecoaudit.errors import EcoauditError

MANIFEST_NAME = "MANIFEST.sha256"
EVIDENCE_DIR = "evidence"
REPORT_NAME = "rapport-recette.html"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare_folder(out_dir: Path) -> Path:
    """Create the output folder; an existing non-empty folder is refused (evidence is never
    mixed with older files)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise EcoauditError(f"The output folder {out_dir} already exists and is not empty: give "
                            "a new folder to --out (an acceptance's evidence is never "
                            "overwritten).")
    try:
        (out_dir / EVIDENCE_DIR / "pages").mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise EcoauditError(f"Cannot create {out_dir} ({error.strerror}): check the path given "
                            "to --out.") from None
    return out_dir


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                    encoding="utf-8")


def evidence_files(out_dir: Path) -> list[str]:
    """Every file of the folder but the manifest, as sorted POSIX paths relative to it."""
    manifest = out_dir / MANIFEST_NAME
    return sorted(path.relative_to(out_dir).as_posix() for path in out_dir.rglob("*")
                  if path.is_file() and path != manifest)


def write_manifest(out_dir: Path) -> tuple[Path, str]:
    """Fingerprint every file; returns the manifest's path and its own SHA-256."""
    lines = [f"{sha256_of(out_dir / name)}  {name}\n" for name in evidence_files(out_dir)]
    manifest = out_dir / MANIFEST_NAME
    manifest.write_text("".join(lines), encoding="utf-8")
    return manifest, sha256_of(manifest)


@dataclass
class VerifyResult:
    """What `verify_folder` found."""

    checked: int = 0
    altered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    manifest_sha256: str = ""

    @property
    def intact(self) -> bool:
        return not (self.altered or self.missing or self.added)


def read_manifest(out_dir: Path) -> dict[str, str]:
    manifest = Path(out_dir) / MANIFEST_NAME
    if not manifest.is_file():
        raise EcoauditError(f"{out_dir} has no {MANIFEST_NAME}: give the folder written by "
                            "`ecoaudit acceptance --out`.")
    expected: dict[str, str] = {}
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        digest, separator, name = line.partition("  ")
        if not separator or len(digest) != 64 or not name:
            raise EcoauditError(f"{manifest} line {number} is not '<sha256>  <path>': the "
                                "manifest itself was altered.")
        expected[name] = digest
    return expected


def verify_folder(out_dir: Path) -> VerifyResult:
    """Compare every file of an evidence folder with its manifest."""
    out_dir = Path(out_dir)
    expected = read_manifest(out_dir)
    result = VerifyResult(manifest_sha256=sha256_of(out_dir / MANIFEST_NAME))
    present = set(evidence_files(out_dir))
    for name, digest in expected.items():
        path = out_dir / name
        if name not in present:
            result.missing.append(name)
        elif sha256_of(path) != digest:
            result.altered.append(name)
        result.checked += 1
    result.added = sorted(present - set(expected))
    return result
