meta datasets/studies/hackshaw1998.csv --measure GEN --method PM --format json
