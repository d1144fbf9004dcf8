"""Product knowledge of a BMAC procedure day, pure and Django-free: the catalogue of measured
quantities with their units (`quantities`), the day as plain data (`record`), derived metrics
(`metrics`), impossible-value checks (`validation`), protocols as data (`protocol`), QC against a
protocol (`qc`), MIBO completeness (`mibo`), the same-surgical-procedure checklist
(`same_procedure`), chain-of-identity decisions and product codes (`identity`) and the
standardisation report (`report`)."""
