meta datasets/studies/pritz1997.csv --measure PFT --format json
