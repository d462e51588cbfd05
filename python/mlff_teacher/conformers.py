"""``python -m mlff_teacher conformers``: 3D conformers of molecules given as SMILES.

RDKit embeds each molecule with its hydrogens by ETKDG (version 3; Wang, Witek, Landrum and
Riniker, J. Chem. Inf. Model. 60, 2044 (2020)) and relaxes every conformer with the MMFF94
force field (UFF where MMFF has no parameters). The conformers are written as one extended
XYZ file, non-periodic, in Å, without labels; they are seed structures for sampling.

Why a separate command and not a request on the teacher protocol: conformer generation is a
one-shot batch that runs before any teacher exists (a run can sample conformers with RDKit and
label them with any teacher, or none), its result is a structure file like any other input,
and its failures (a SMILES RDKit cannot read, a molecule it cannot embed) are errors of the
user's input that must stop the run, not per-structure failures to record and skip. A short
process that reads a JSON request on stdin and writes an extxyz file keeps the teacher protocol
a pure energy-and-forces channel.

The request on stdin::

    {"molecules": [{"smiles": "CCO", "name": "ethanol", "where": "mols.smi:3"}, ...],
     "conformers": 10, "seed": 0}

``where`` is how the molecule is named in messages (file and line, or a setting). On success
the frames are written atomically to ``--output`` and the command exits 0. On bad input it
prints ``error: ...`` on stderr, naming every molecule that failed and where it came from, and
exits 3; without RDKit it says how to install it and exits 4.
"""

from __future__ import annotations

import json
import os
import sys

#: 1 kcal/mol in eV (CODATA 2018: 4.184 J / (N_A e)).
KCAL_PER_MOL_IN_EV = 0.0433641043

INSTALL_HINT = ("install it with scripts/bootstrap --teacher gfn2-xtb (which installs RDKit with the "
                "xTB teachers) or pip install './python[xtb]' (PyPI package 'rdkit')")


class ConformerError(Exception):
    """A molecule cannot be read or embedded; the message names it and where it came from."""


def _rdkit():
    try:
        from rdkit import Chem, RDLogger
        from rdkit.Chem import AllChem
    except ImportError as error:
        raise ImportError(
            f"SMILES input needs the Python package 'rdkit', which cannot be imported by {sys.executable} "
            f"({error}); {INSTALL_HINT}") from error
    RDLogger.DisableLog("rdApp.*")  # failures are reported by this module, once, with their origin
    return Chem, AllChem


def parse(smiles: str, where: str):
    """The molecule of ``smiles`` with explicit hydrogens.

    Raises ``ConformerError`` for text RDKit cannot parse, a structure it cannot sanitise
    (impossible valences, unkekulisable aromatic rings), a net charge or unpaired electrons
    (the teacher protocol carries no total charge or spin, so the labels would be of another
    species).
    """
    Chem, _ = _rdkit()
    text = smiles.strip()
    if not text:
        raise ConformerError(f"{where}: empty SMILES")
    mol = Chem.MolFromSmiles(text, sanitize=False)
    if mol is None:
        raise ConformerError(f"{where}: '{text}' is not valid SMILES (RDKit cannot parse it)")
    try:
        Chem.SanitizeMol(mol)
    except Exception as error:  # noqa: BLE001 - RDKit raises several sanitisation exceptions
        raise ConformerError(f"{where}: '{text}' is not a valid molecule: {error}") from error
    charge = Chem.GetFormalCharge(mol)
    if charge != 0:
        raise ConformerError(
            f"{where}: '{text}' has a net charge of {charge:+d}; the teachers label neutral structures "
            f"(the protocol carries no total charge), so give the neutral form of the molecule")
    radicals = sum(atom.GetNumRadicalElectrons() for atom in mol.GetAtoms())
    if radicals:
        raise ConformerError(
            f"{where}: '{text}' has {radicals} unpaired electron(s); the teachers label closed-shell "
            f"structures, so give a closed-shell molecule")
    return Chem.AddHs(mol)


def embed(mol, count: int, seed: int, where: str, smiles: str):
    """``count`` ETKDG conformers of ``mol``, each relaxed by MMFF94 (UFF when MMFF lacks
    parameters). Returns (conformer ids, force field name, energies in eV, converged flags)."""
    _, AllChem = _rdkit()
    params = AllChem.ETKDGv3()
    params.randomSeed = int(seed) & 0x7FFFFFFF
    params.numThreads = 1
    ids = list(AllChem.EmbedMultipleConfs(mol, numConfs=count, params=params))
    if not ids:  # distance geometry failed from its usual start: random coordinates are slower but surer
        params.useRandomCoords = True
        ids = list(AllChem.EmbedMultipleConfs(mol, numConfs=count, params=params))
    if not ids:
        raise ConformerError(f"{where}: RDKit could not embed '{smiles}' in 3D (ETKDG found no conformer)")
    if AllChem.MMFFHasAllMoleculeParams(mol):
        field = "MMFF94"
        results = AllChem.MMFFOptimizeMoleculeConfs(mol, numThreads=1, maxIters=2000)
    else:
        field = "UFF"
        results = AllChem.UFFOptimizeMoleculeConfs(mol, numThreads=1, maxIters=2000)
    energies = [energy * KCAL_PER_MOL_IN_EV for _, energy in results]
    converged = [not_converged == 0 for not_converged, _ in results]
    return ids, field, energies, converged


def conformers(molecules: list[dict], count: int, seed: int):
    """Every molecule's conformers as ASE ``Atoms`` (non-periodic, Å), in input order.

    Every molecule is parsed first, so one run names every invalid SMILES at once.
    """
    from ase import Atoms

    parsed, problems = [], []
    for k, entry in enumerate(molecules):
        where = entry.get("where") or f"molecule {k}"
        try:
            parsed.append((entry, where, parse(entry["smiles"], where)))
        except ConformerError as error:
            problems.append(str(error))
    if problems:
        raise ConformerError("\n".join(problems))
    frames = []
    for k, (entry, where, mol) in enumerate(parsed):
        smiles = entry["smiles"].strip()
        ids, field, energies, converged = embed(mol, count, seed * 1_000_003 + k, where, smiles)
        numbers = [atom.GetAtomicNum() for atom in mol.GetAtoms()]
        for c, (conformer_id, energy, done) in enumerate(zip(ids, energies, converged)):
            positions = mol.GetConformer(conformer_id).GetPositions()
            atoms = Atoms(numbers=numbers, positions=positions, pbc=False)
            atoms.info.update({
                "smiles": smiles, "name": entry.get("name") or smiles, "mlff_source": "smiles",
                "mlff_source_where": where, "conformer": c, "force_field": field,
                "force_field_energy": float(energy), "force_field_converged": bool(done),
            })
            frames.append(atoms)
    return frames


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m mlff_teacher conformers",
                                     description="ETKDG + MMFF conformers of SMILES read as JSON on stdin.")
    parser.add_argument("--output", "-o", required=True, help="extxyz file to write")
    args = parser.parse_args(argv)
    try:
        request = json.load(sys.stdin)
        molecules = request["molecules"]
        count = int(request.get("conformers", 1))
        seed = int(request.get("seed", 0))
    except (ValueError, KeyError, TypeError) as error:
        print(f"error: the request on stdin is not the expected JSON ({error})", file=sys.stderr)
        return 2
    try:
        frames = conformers(molecules, count, seed)
    except ImportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 4
    except ConformerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    from ase.io import write

    temporary = f"{args.output}.tmp{os.getpid()}"
    write(temporary, frames, format="extxyz")
    os.replace(temporary, args.output)
    return 0
