meta tests/data/studies-reml-cycle.csv --measure GEN --method REML,DL --format json
