meta datasets/studies/bcg.csv --measure RR --mods ablat,alloc --format json
