def test_venv_has_ase():
    import ase
    assert ase.__version__
