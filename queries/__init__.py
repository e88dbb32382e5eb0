"""Package data of nzc_twinning, found by nzc_twinning.files.shipped (no code)."""
