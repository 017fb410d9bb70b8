meta datasets/studies/bcg.csv --measure RR --by alloc --format json
