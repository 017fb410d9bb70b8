meta tests/data/studies-rejects.csv --measure MD --format json
