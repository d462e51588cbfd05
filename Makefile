# The two commands that do everything on a fresh Debian machine:
#   make demo   run the main job on the example that ships with the project
#               (make demo-molecules: the same for GFN2-xTB and four molecules from SMILES)
#   make test   install what is missing, build, run every Swift and Python test
SWIFT_FLAGS := -c release -Xswiftc -enable-testing
MLFF := .build/release/mlff
LIBMLFF := .build/release/libmlff_c.so

.PHONY: demo demo-molecules test bootstrap build bench-setup wheel clean

bootstrap:
	scripts/bootstrap

build: bootstrap
	swift build $(SWIFT_FLAGS)

# The tests also run the LAMMPS example and `mpirun -n 2 mlff train`, so they install LAMMPS
# and Open MPI (about a minute of apt).
test:
	scripts/bootstrap --lammps --mpi
	swift build $(SWIFT_FLAGS) --build-tests
	swift test $(SWIFT_FLAGS) --skip-build
	MLFF_BIN=$(abspath $(MLFF)) MLFF_LIBRARY=$(abspath $(LIBMLFF)) .venv/bin/python -m pytest -q python/tests

# A self-contained wheel (libmlff with the Swift runtime linked in), then its test in a fresh
# venv. Not part of `make test`: the static library is a second release build (see docs/deploy.md).
wheel: bootstrap
	scripts/wheel
	swift build $(SWIFT_FLAGS)
	MLFF_BIN=$(abspath $(MLFF)) MLFF_LIBRARY=$(abspath $(LIBMLFF)) .venv/bin/python -m pytest -q python/tests/test_wheel.py

demo: bootstrap
	scripts/demo

demo-molecules: bootstrap
	scripts/demo molecules

bench-setup:
	scripts/bootstrap --bench

clean:
	rm -rf .build .build-wheel dist runs/demo runs/demo-emt runs/demo-molecules
