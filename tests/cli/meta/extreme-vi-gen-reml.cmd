meta tests/data/studies-extreme-vi.csv --measure GEN --format json
