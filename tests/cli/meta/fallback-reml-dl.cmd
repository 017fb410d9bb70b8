meta tests/data/studies-fallback.csv --measure GEN --method REML,DL --format json
